from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from protocols.engine import format_weekdays, parse_weekdays

from .models import Clinic, Role, User, country_for_timezone, validate_timezone
from .tokens import api_token_issue


@transaction.atomic
def clinic_create(
    *, slug: str, name: str, timezone: str, injection_days: str | None = None, open_days: str | None = None,
    country: str | None = None,
    language: str | None = None,
) -> tuple[Clinic, bool]:
    """Create a clinic, or return the existing one with that slug unchanged."""
    existing = Clinic.objects.filter(slug=slug).first()
    if existing is not None:
        return existing, False
    validate_timezone(timezone)
    clinic = Clinic(slug=slug, name=name, timezone=timezone,
                    country=(country or country_for_timezone(timezone)).strip().upper())
    if injection_days:
        clinic.injection_days = format_weekdays(parse_weekdays(injection_days))
    if open_days:
        clinic.open_days = format_weekdays(parse_weekdays(open_days))
    if language:
        clinic.language = language
    clinic.full_clean()
    clinic.save()
    return clinic, True


@transaction.atomic
def staff_create(*, username: str, clinic: Clinic, role: str, password: str | None = None,
                 actor=None) -> tuple[User, str | None, bool]:
    """Create a staff member with an API token; returns (user, the token's key, created).

    An existing username is returned unchanged, with no key (only a hash of it is stored). A password must
    pass the password validators (ValidationError otherwise); without one, the account signs in by API only.
    """
    if role not in Role.values:
        raise ValueError(f"role must be one of {', '.join(Role.values)}")
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, None, False
    user = User(username=username, clinic=clinic, role=role)
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user._history_user = actor
    user.save()
    _token, key = api_token_issue(user=user, actor=actor)
    return user, key, True


@transaction.atomic
def clinic_security_update(*, clinic: Clinic, actor, require_admin_two_factor: bool) -> Clinic:
    """A clinic administrator turns the second-factor requirement for administrators on or off."""
    clinic.require_admin_two_factor = bool(require_admin_two_factor)
    clinic._history_user = actor
    clinic.save(update_fields=["require_admin_two_factor"])
    return clinic


@transaction.atomic
def clinic_admin_create(*, clinic: Clinic, username: str, email: str = "", password: str | None = None,
                        actor=None) -> tuple[User, str | None, bool]:
    """The clinic's administrator (role admin), or the existing user of that name unchanged (no key)."""
    user, key, created = staff_create(username=username, clinic=clinic, role=Role.ADMIN, password=password,
                                      actor=actor)
    if created and email:
        user.email = email
        user.save(update_fields=["email"])
    return user, key, created
