from django.db import IntegrityError, transaction
from django.utils import timezone

from config.fields import TEXT_MAX_LENGTH, bad_character, bad_character_message
from patients.errors import InvalidInput

from .models import Alert, AlertStatus, Severity
from .signals import alert_raised


def alert_raise(*, patient, code: str, message: str, facts: dict, fingerprint: str,
                severity: str = Severity.WARNING, enrollment=None) -> tuple[Alert, bool]:
    """Open an alert unless the same rule already fired for the same facts."""
    existing = Alert.objects.filter(patient=patient, code=code, fingerprint=fingerprint).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                clinic_id=patient.clinic_id, patient=patient, enrollment=enrollment, code=code, severity=severity,
                message=message, facts=facts, fingerprint=fingerprint,
            )
    except IntegrityError:
        return Alert.objects.get(patient=patient, code=code, fingerprint=fingerprint), False
    alert_raised.send(sender=Alert, alert=alert)
    return alert, True


def alert_acknowledge(*, alert: Alert, actor) -> Alert:
    if alert.status == AlertStatus.OPEN:
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_by = actor
        alert.acknowledged_at = timezone.now()
        alert.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
    return alert


def alert_resolve(*, alert: Alert, actor, note: str = "") -> Alert:
    note = (note or "").strip()
    if len(note) > TEXT_MAX_LENGTH:
        raise InvalidInput({"note": f"is {len(note)} characters long; at most {TEXT_MAX_LENGTH}"})
    if (char := bad_character(note, multiline=True)) is not None:
        raise InvalidInput({"note": bad_character_message(char)})
    if alert.status != AlertStatus.RESOLVED:
        now = timezone.now()
        if alert.acknowledged_at is None:
            alert.acknowledged_by, alert.acknowledged_at = actor, now
        alert.status = AlertStatus.RESOLVED
        alert.resolved_by = actor
        alert.resolved_at = now
        alert.resolution_note = note
        alert.save()
    return alert
