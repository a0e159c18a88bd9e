from django.db import transaction
from rest_framework.authtoken.models import Token

from protocols.engine import format_weekdays, parse_weekdays

from .models import Clinic, Role, User, country_for_timezone, validate_timezone


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
def staff_create(*, username: str, clinic: Clinic, role: str, password: str | None = None) -> tuple[User, Token, bool]:
    """Create a staff member with an API token, or return the existing one unchanged."""
    if role not in Role.values:
        raise ValueError(f"role must be one of {', '.join(Role.values)}")
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
        user = User(username=username, clinic=clinic, role=role)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    token, _ = Token.objects.get_or_create(user=user)
    return user, token, created


@transaction.atomic
def clinic_admin_create(*, clinic: Clinic, username: str, email: str = "", password: str | None = None
                        ) -> tuple[User, Token, bool]:
    """The clinic's administrator (role admin), or the existing user of that name unchanged."""
    user, token, created = staff_create(username=username, clinic=clinic, role=Role.ADMIN, password=password)
    if created and email:
        user.email = email
        user.save(update_fields=["email"])
    return user, token, created


@transaction.atomic
def clinic_tokens_rotate(*, clinic: Clinic, usernames: list[str] | None = None) -> list[tuple[User, Token]]:
    """Replace the API tokens of the clinic's staff (all, or those named): the old ones stop working at once."""
    staff = User.objects.filter(clinic=clinic).order_by("username").select_for_update()
    if usernames:
        staff = staff.filter(username__in=usernames)
    rotated = []
    for user in staff:
        Token.objects.filter(user=user).delete()
        rotated.append((user, Token.objects.create(user=user)))
    return rotated
