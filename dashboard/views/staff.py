from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from clinics.models import Role, User
from patients.errors import InvalidInput

from ..access import ADMIN, staff_required
from ..forms import apply_errors
from ..lockout import lock_for
from ..services import staff_account_create, staff_set_active, staff_unlock


class StaffForm(forms.Form):
    username = forms.CharField(label="Username", max_length=150)
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    role = forms.ChoiceField(label="Role", choices=Role.choices)
    password = forms.CharField(label="Initial password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


def _staff(user):
    return User.objects.filter(clinic_id=user.clinic_id)


@staff_required(*ADMIN)
@require_http_methods(["GET", "POST"])
def staff_list(request):
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = staff_account_create(actor=request.user, **form.cleaned_data)
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Added {created.username} as {created.get_role_display().lower()}.")
            return redirect("dashboard:staff")
    members = list(_staff(request.user).order_by("-is_active", "role", "username"))
    rows = [{"user": m, "lock": lock_for(m.username)} for m in members]
    status = 422 if request.method == "POST" else 200
    return render(request, "dashboard/staff.html", {"nav": "staff", "rows": rows, "form": form}, status=status)


@staff_required(*ADMIN)
@require_POST
def staff_toggle(request, pk):
    member = get_object_or_404(_staff(request.user), pk=pk)
    try:
        staff_set_active(actor=request.user, user=member, active=request.POST.get("active") == "1")
    except InvalidInput as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    return redirect("dashboard:staff")


@staff_required(*ADMIN)
@require_POST
def staff_unlock_view(request, pk):
    member = get_object_or_404(_staff(request.user), pk=pk)
    staff_unlock(actor=request.user, user=member)
    messages.success(request, f"Unlocked {member.username}.")
    return redirect("dashboard:staff")
