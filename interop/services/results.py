"""Lab results from other systems, filed through the one lab service under the sender's identifier.

FHIR Observations, HL7 v2 OBX segments and CSV rows all come through here, so that units,
plausibility, the "did you mean" guard, re-planning and alerts are those of a result typed by staff.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from patients.errors import InvalidInput
from patients.lab_codes import TESTS, LabInputError, normalize
from patients.models import LabResult, Patient
from patients.services import lab_result_mark_entered_in_error, lab_result_record

from ..limits import MAX_IDENTIFIER
from ..models import ExternalResult


class IdentifierConflict(InvalidInput):
    """The identifier was already used for a different result (a correction must say it is one)."""

    def __init__(self, errors, filed: LabResult | None = None):
        super().__init__(errors)
        self.filed = filed


@dataclass(frozen=True)
class Filed:
    record: LabResult
    created: bool  # False: the same result was sent again and nothing was filed
    replaced: LabResult | None = None  # the result a correction marked entered-in-error


def _same_result(record: LabResult, *, test, value, unit, collected_at) -> bool:
    try:
        result = normalize(test, value, unit)
    except LabInputError:
        return False
    return (record.code, record.value, record.unit, record.collected_at) == (
        result.code, result.value, result.unit, collected_at)


def _link(patient: Patient, source: str, key: str) -> ExternalResult | None:
    if not key:
        return None
    if len(key) > MAX_IDENTIFIER:
        raise InvalidInput({"identifier": f"an identifier is at most {MAX_IDENTIFIER} characters"})
    link = (ExternalResult.objects.select_for_update().select_related("lab_result", "lab_result__patient")
            .filter(clinic_id=patient.clinic_id, source=source, key=key).first())
    if link is not None and link.lab_result.patient_id != patient.pk:
        raise IdentifierConflict({"identifier": f"{key} was filed for another patient "
                                                f"(MRN {link.lab_result.patient.mrn}); it cannot name this one"})
    return link


@transaction.atomic(savepoint=False)
def external_result_file(*, actor, patient: Patient, source: str, key: str, test: str, value, unit: str,
                         collected_at: datetime, confirm_unusual: bool = False, correction: bool = False) -> Filed:
    """File a result sent by another system.

    - With an identifier (`key`) seen before: the same result again files nothing; a different
      result is refused unless it is a `correction`, which marks the earlier result entered-in-error
      and files the new one.
    - Without one, every call files a result (as typed results do).
    """
    link = _link(patient, source, key)
    if link is None:
        record = lab_result_record(actor=actor, patient=patient, test=test, value=value, unit=unit,
                                   collected_at=collected_at, confirm_unusual=confirm_unusual)
        if key:
            ExternalResult.objects.create(clinic_id=patient.clinic_id, source=source, key=key, lab_result=record)
        return Filed(record, created=True)
    current = link.lab_result
    if not current.entered_in_error and _same_result(current, test=test, value=value, unit=unit,
                                                     collected_at=collected_at):
        return Filed(current, created=False)
    if not correction and not current.entered_in_error:
        raise IdentifierConflict({"identifier": (
            f"{key} was already filed as {TESTS[current.code].name} {current.value.normalize():f} {current.unit}; "
            "send it as a correction to replace it")}, filed=current)
    replaced = None
    if not current.entered_in_error:
        replaced = lab_result_mark_entered_in_error(actor=actor, result=current,
                                                    reason=f"corrected by the sender ({key})")
    record = lab_result_record(actor=actor, patient=patient, test=test, value=value, unit=unit,
                               collected_at=collected_at, confirm_unusual=confirm_unusual)
    link.lab_result = record
    link.save(update_fields=["lab_result", "updated_at"])
    return Filed(record, created=True, replaced=replaced)


@transaction.atomic(savepoint=False)
def external_result_withdraw(*, actor, patient: Patient, source: str, key: str, reason: str) -> LabResult | None:
    """The sender says a result it sent was wrong (FHIR status entered-in-error, HL7 OBX-11 D or W):
    the result filed under that identifier is marked entered-in-error. None when nothing was filed."""
    link = _link(patient, source, key)
    if link is None:
        return None
    if link.lab_result.entered_in_error:
        return link.lab_result
    return lab_result_mark_entered_in_error(actor=actor, result=link.lab_result, reason=reason)
