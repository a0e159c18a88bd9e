"""Signing in: a password (through the lockout), then, for staff who set one up or must have one, the code
of their authenticator app. Nobody is signed in until both steps are done."""

import time

from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinics.models import User
from clinics.two_factor import (
    confirmed_device,
    device_confirm,
    device_pending,
    device_setup,
    two_factor_required,
)

from ..access import home_for
from ..forms_auth import LockingLoginForm, OneTimeCodeForm
from ..middleware import SESSION_KEY

PENDING = "pending_sign_in"
#: The second step must follow the first within this many seconds.
PENDING_SECONDS = 300


def _signed_in(request, user, device=None):
    auth.login(request, user, backend=user.backend)
    if device is not None:
        otp_login(request, device)
    request.session[SESSION_KEY] = time.time()  # the idle clock starts at sign-in


class LoginView(auth_views.LoginView):
    form_class = LockingLoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if confirmed_device(user) is not None or two_factor_required(user):
            self.request.session[PENDING] = {"user": user.pk, "backend": user.backend, "since": time.time(),
                                             "next": self.get_redirect_url()}
            return redirect("security:login-code")
        _signed_in(self.request, user)
        return redirect(self.get_success_url())

    def get_default_redirect_url(self):
        return resolve_url(home_for(self.request.user))


def _pending_user(request) -> User | None:
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending.get("since", 0) > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=pending["user"], is_active=True).select_related("clinic").first()
    if user is not None:
        user.backend = pending["backend"]
    return user


def _finish(request, user, device):
    target = request.session.pop(PENDING, {}).get("next") or ""
    _signed_in(request, user, device)
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = resolve_url(home_for(user))
    return redirect(target)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request):
    """Step two: the code of the authenticator app; or, for an administrator whose clinic requires a second
    factor and who has none yet, setting one up (scan, then type a code)."""
    user = _pending_user(request)
    if user is None:
        request.session.pop(PENDING, None)
        return redirect("dashboard:login")
    device = confirmed_device(user)
    setting_up = device is None
    if setting_up:
        pending_id = request.session[PENDING].get("device")
        device = TOTPDevice.objects.filter(pk=pending_id, user=user, confirmed=False).first() if pending_id else None
        if device is None:
            device = device_pending(user)
            request.session[PENDING] = {**request.session[PENDING], "device": device.pk}
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        accepted = device_confirm(device=device, code=code, actor=user) if setting_up else device.verify_token(code)
        if accepted:
            return _finish(request, user, device)
        user_login_failed.send(sender=__name__, credentials={"username": user.username}, request=request)
        form.add_error("code", "That code is not right, or it has expired. Type the code the app shows now.")
    context = {"form": form, "setting_up": setting_up, **(device_setup(device) if setting_up else {})}
    return render(request, "registration/login_code.html", context, status=422 if form.errors else 200)


class LogoutView(auth_views.LogoutView):
    next_page = "dashboard:login"


def help_page(request):
    if not request.user.is_authenticated:
        return redirect("dashboard:login")
    return render(request, "dashboard/help.html", {"nav": "help"})
