"""Writes to the audit trail."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import PatientAccess, SecurityEvent

#: Stored paths are cut to the column.
WHAT_MAX_LENGTH = PatientAccess._meta.get_field("what").max_length


def security_event_record(*, event: str, actor, subject, detail: dict | None = None) -> SecurityEvent:
    return SecurityEvent.objects.create(
        event=event, actor=actor if getattr(actor, "pk", None) else None, subject=subject,
        clinic_id=subject.clinic_id, detail=detail or {},
    )


def patient_access_record(*, user, patient_ids, via: str, what: str) -> int:
    """`user` read these patients (of their own clinic) through `via`."""
    rows = [PatientAccess(clinic_id=user.clinic_id, patient_id=pk, user=user, via=via, what=what[:WHAT_MAX_LENGTH])
            for pk in dict.fromkeys(patient_ids)]
    PatientAccess.objects.bulk_create(rows)
    return len(rows)


def access_log_purge(*, now=None) -> int:
    """Forget accesses older than the retention period (ACCESS_LOG_RETENTION_DAYS)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS)
    deleted, _ = PatientAccess.objects.filter(at__lt=cutoff).delete()
    return deleted
