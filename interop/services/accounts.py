from django.db import transaction

from clinics.models import Role, User
from patients.errors import InvalidInput


@transaction.atomic
def interface_account_for(clinic, username: str | None = None) -> User:
    """Who files what arrives by a command-line channel (the MLLP listener, CSV import commands).

    `username` names a clinician or nurse of the clinic; without one, the clinic's own interface
    account (`<slug>-interface`, which cannot sign in) is used, created the first time.
    """
    if username:
        user = User.objects.filter(username=username, clinic=clinic, is_active=True).first()
        if user is None or user.role not in (Role.CLINICIAN, Role.NURSE):
            raise InvalidInput({"as": f"no active clinician or nurse {username!r} in {clinic.slug}"})
        return user
    user, created = User.objects.get_or_create(
        username=f"{clinic.slug}-interface"[:150],
        defaults={"clinic": clinic, "role": Role.NURSE, "first_name": "Interface", "last_name": clinic.name[:150]},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    elif user.clinic_id != clinic.pk:
        raise InvalidInput({"as": f"the user {user.username!r} belongs to another clinic"})
    elif not user.is_active:
        raise InvalidInput({"as": f"the interface account {user.username!r} is deactivated (reactivate it on the "
                                  "Staff page, or give --as)"})
    return user
