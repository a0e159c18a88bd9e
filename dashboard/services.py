"""Writes about staff accounts, done by a clinic administrator."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from clinics.models import Role, User
from patients.errors import InvalidInput

from .lockout import login_unlock


@transaction.atomic
def staff_account_create(*, actor, username: str, first_name: str, last_name: str, role: str, password: str) -> User:
    username = (username or "").strip()
    errors = {}
    if not username:
        errors["username"] = "is required"
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = f"{username!r} is already taken"
    if role not in Role.values:
        errors["role"] = f"must be one of {', '.join(Role.values)}"
    candidate = User(username=username, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        errors["password"] = " ".join(exc.messages)
    if errors:
        raise InvalidInput(errors)
    user = User(username=username, first_name=first_name.strip(), last_name=last_name.strip(), role=role,
                clinic_id=actor.clinic_id)
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def staff_set_active(*, actor, user: User, active: bool) -> User:
    if user.pk == actor.pk and not active:
        raise InvalidInput({"user": "you cannot deactivate your own account"})
    user.is_active = active
    user.save(update_fields=["is_active"])
    return user


def staff_unlock(*, actor, user: User) -> int:
    return login_unlock(username=user.username)
