"""A staff member's sign-in security: their authenticator app and their API tokens; for a clinic
administrator, whether the clinic requires a second factor of its administrators."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinics.models import Role
from clinics.services import clinic_security_update
from clinics.tokens import api_token_issue, api_tokens_of, api_tokens_revoke
from clinics.two_factor import confirmed_device, device_confirm, device_pending, device_setup, two_factor_remove

from ..access import staff_required
from ..forms_auth import OneTimeCodeForm

SETUP = "two_factor_setup_device"


@staff_required()
@require_http_methods(["GET", "POST"])
def account(request):
    user = request.user
    action = request.POST.get("action")
    context = {"nav": "account", "issued": None, "form": OneTimeCodeForm(), "ttl_days": settings.API_TOKEN_TTL_DAYS}
    if action == "token-new":
        api_tokens_revoke(user=user, actor=user)
        token, key = api_token_issue(user=user, actor=user)
        context["issued"] = {"key": key, "expiry": token.expiry}
    elif action == "token-revoke":
        count = api_tokens_revoke(user=user, actor=user)
        messages.success(request, f"Revoked {count} API token{'s' if count != 1 else ''}.")
        return redirect("security:account")
    elif action == "two-factor-start":
        request.session[SETUP] = device_pending(user).pk
    elif action == "two-factor-confirm":
        device = TOTPDevice.objects.filter(pk=request.session.get(SETUP), user=user, confirmed=False).first()
        form = OneTimeCodeForm(request.POST)
        if device is not None and form.is_valid() and device_confirm(device=device, code=form.cleaned_data["code"],
                                                                      actor=user):
            request.session.pop(SETUP, None)
            messages.success(request, "Your authenticator app is set up: you will be asked for a code at sign-in.")
            return redirect("security:account")
        form.add_error(None, "That code is not right, or it has expired. Type the code the app shows now.")
        context["form"] = form
    elif action == "two-factor-remove":
        if user.role == Role.ADMIN and user.clinic.require_admin_two_factor:
            messages.error(request, "Your clinic requires a second factor of its administrators.")
        else:
            two_factor_remove(user=user, actor=user)
            messages.success(request, "Your authenticator app is removed.")
        return redirect("security:account")
    elif action == "clinic-two-factor" and user.role == Role.ADMIN:
        required = request.POST.get("required") == "1"
        clinic_security_update(clinic=user.clinic, actor=user, require_admin_two_factor=required)
        messages.success(request, "Clinic administrators " + ("must now" if required else "no longer need to")
                         + " sign in with an authenticator app.")
        return redirect("security:account")
    pending = TOTPDevice.objects.filter(pk=request.session.get(SETUP), user=user, confirmed=False).first()
    if pending is not None:
        setup = device_setup(pending)
        context.update({"setup_qr": setup["qr"], "setup_secret": setup["secret"]})
    context.update({"device": confirmed_device(user), "tokens": list(api_tokens_of(user)),
                    "is_admin": user.role == Role.ADMIN})
    return render(request, "dashboard/account.html", context, status=422 if context["form"].errors else 200)
