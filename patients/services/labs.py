from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ..errors import InvalidInput
from ..lab_codes import LabInputError, normalize
from ..models import EnrollmentStatus, LabResult, Patient
from ..signals import clinical_record_changed
from .administrations import FUTURE_TOLERANCE
from .records import record_mark_entered_in_error
from .schedule import enrollment_replan


def _replan_active(patient: Patient) -> None:
    for enrollment in patient.enrollments.filter(status=EnrollmentStatus.ACTIVE).select_related("clinic", "protocol_version", "patient"):
        enrollment_replan(enrollment)


@transaction.atomic
def lab_result_record(*, actor, patient: Patient, test: str, value, unit: str, collected_at: datetime) -> LabResult:
    """File a result as received and in the canonical unit; re-plan what depends on labs."""
    try:
        result = normalize(test, value, unit)
    except LabInputError as exc:
        raise InvalidInput({exc.field: exc.message}) from None
    if not isinstance(collected_at, datetime) or timezone.is_naive(collected_at):
        raise InvalidInput({"collected_at": "must be a date-time with an offset, e.g. 2026-01-05T09:00:00Z"})
    if collected_at > timezone.now() + FUTURE_TOLERANCE:
        raise InvalidInput({"collected_at": "is in the future"})
    record = LabResult(
        clinic_id=patient.clinic_id, patient=patient, recorded_by=actor, code=result.code, loinc=result.loinc,
        value=result.value, unit=result.unit, normalized_value=result.normalized_value,
        normalized_unit=result.normalized_unit, collected_at=collected_at,
    )
    record._history_user = actor
    record.save()
    _replan_active(patient)
    clinical_record_changed.send(sender=LabResult, patient=patient, record=record)
    return record


@transaction.atomic
def lab_result_mark_entered_in_error(*, actor, result: LabResult, reason: str) -> LabResult:
    record = record_mark_entered_in_error(LabResult, result.pk, actor=actor, reason=reason)
    _replan_active(record.patient)
    clinical_record_changed.send(sender=LabResult, patient=record.patient, record=record)
    return record
