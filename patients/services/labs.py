from datetime import datetime

from django.db import transaction

from ..errors import InvalidInput
from ..lab_codes import LabInputError, normalize, unusual_value
from ..models import EnrollmentStatus, LabResult, Patient
from ..signals import clinical_record_changed
from .bounds import check_record_instant
from .records import record_mark_entered_in_error
from .schedule import enrollment_replan

#: What the API and the pages say to file an unusual value as it is.
CONFIRM_HINT = 'if the value and unit are right, confirm it ("confirm_unusual": true) to file it as it is'


class UnusualLabValue(InvalidInput):
    """A possible value that is far more likely a unit mistake: filed only once confirmed."""

    def __init__(self, message: str, suggested_unit: str | None):
        errors = {"value": message, "confirm_unusual": CONFIRM_HINT}
        if suggested_unit:
            errors["suggested_unit"] = suggested_unit
        super().__init__(errors)
        self.message = message
        self.suggested_unit = suggested_unit


def _replan_active(patient: Patient) -> None:
    for enrollment in patient.enrollments.filter(status=EnrollmentStatus.ACTIVE).select_related("clinic", "protocol_version", "patient"):
        enrollment_replan(enrollment)


@transaction.atomic
def lab_result_record(*, actor, patient: Patient, test: str, value, unit: str, collected_at: datetime,
                      confirm_unusual: bool = False) -> LabResult:
    """File a result as received and in the canonical unit; re-plan what depends on labs.

    A value that is far more likely a unit mistake (Hb 10.2 g/L) raises UnusualLabValue, saying
    which unit was probably meant, unless the person filing it confirmed it (`confirm_unusual`).
    """
    try:
        result = normalize(test, value, unit)
    except LabInputError as exc:
        raise InvalidInput({exc.field: exc.message}) from None
    check_record_instant("collected_at", collected_at, born=patient.date_of_birth, zone=patient.zone)
    unusual = unusual_value(result)
    if unusual is not None and not confirm_unusual:
        raise UnusualLabValue(unusual.message, unusual.suggested_unit)
    record = LabResult(
        clinic_id=patient.clinic_id, patient=patient, recorded_by=actor, code=result.code, loinc=result.loinc,
        value=result.value, unit=result.unit, normalized_value=result.normalized_value,
        normalized_unit=result.normalized_unit, collected_at=collected_at, confirmed_unusual=unusual is not None,
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
