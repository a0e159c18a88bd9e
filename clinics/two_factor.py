"""The optional second sign-in factor: a TOTP authenticator app (django-otp). A clinic can require it of its
clinic administrators (Clinic.require_admin_two_factor)."""

from base64 import b32encode

import segno
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Role, User


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def two_factor_required(user: User) -> bool:
    """A clinic administrator of a clinic that requires a second factor must have one to sign in."""
    return user.role == Role.ADMIN and bool(user.clinic_id) and user.clinic.require_admin_two_factor


def device_pending(user: User) -> TOTPDevice:
    """The unconfirmed authenticator being set up (a new secret each time set-up starts over)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def device_setup(device: TOTPDevice) -> dict:
    """What an authenticator app needs: a QR code to scan (inline SVG, no script) and the key to type."""
    return {"qr": segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#111"),
            "secret": b32encode(device.bin_key).decode().rstrip("=")}


def _audit(event: str, *, user, actor) -> None:
    from audit.services import security_event_record

    security_event_record(event=event, actor=actor, subject=user)


@transaction.atomic
def device_confirm(*, device: TOTPDevice, code: str, actor) -> bool:
    """The code from the app proves the secret was scanned: the device becomes the user's second factor."""
    if not device.verify_token(code):
        return False
    TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _audit("two-factor-enabled", user=device.user, actor=actor)
    return True


@transaction.atomic
def two_factor_remove(*, user: User, actor) -> int:
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    if deleted:
        _audit("two-factor-removed", user=user, actor=actor)
    return deleted
