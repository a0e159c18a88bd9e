"""Who may open which staff page. Patients never have accounts; another clinic's objects are 404."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from clinics.models import Role

CLINICAL = (Role.CLINICIAN, Role.NURSE)
CLINICIAN = (Role.CLINICIAN,)
ADMIN = (Role.ADMIN,)

ROLE_WORDS = {Role.CLINICIAN: "clinicians", Role.NURSE: "nurses", Role.ADMIN: "clinic administrators"}


def staff_required(*roles):
    """Signed-in staff of a clinic with one of `roles`; others are sent to sign in or refused (403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.clinic_id or not user.is_active:
                raise PermissionDenied("Only a clinic's staff can use these pages.")
            if roles and user.role not in roles:
                who = " and ".join(ROLE_WORDS[r] for r in roles)
                raise PermissionDenied(f"Only {who} can do this.")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


def home_for(user) -> str:
    return "dashboard:staff" if user.role == Role.ADMIN else "dashboard:today"
