from django.core.exceptions import ValidationError
from django.db import transaction

from ..errors import InvalidInput
from ..models import Patient
from ..phones import PhoneError, phone_normalize
from .bounds import check_birth_date, check_text, today_anywhere
from .schedule import enrollment_replan

#: Fields the plan depends on (local times, the Hb threshold); other edits need no re-plan.
PLANNING_FIELDS = frozenset({"timezone", "preferred_dose_time", "sex", "pregnant"})
EDITABLE = ("given_name", "family_name", "email", "phone", "timezone", "preferred_dose_time",
            "reminders_opt_in", "pregnant", "language")


def _validate(patient: Patient) -> None:
    errors = {}
    patient.phone = (patient.phone or "").strip()
    if patient.phone:
        try:
            phone = phone_normalize(patient.phone, patient.clinic.country)
        except PhoneError as exc:
            errors["phone"] = str(exc)
        else:
            patient.phone, patient.phone_kind = phone.e164, phone.kind
    else:
        patient.phone_kind = ""
    try:
        patient.full_clean(exclude=["clinic"], validate_unique=False)
    except ValidationError as exc:
        errors.update({field: " ".join(messages) for field, messages in exc.message_dict.items()})
    for name in ("mrn", "given_name", "family_name", "email"):
        try:
            check_text(Patient, **{name: getattr(patient, name)})
        except InvalidInput as exc:
            errors.setdefault(name, exc.errors[name])
    if "date_of_birth" not in errors:
        try:
            check_birth_date(patient.date_of_birth, today=today_anywhere())
        except InvalidInput as exc:
            errors.update(exc.errors)
    if Patient.objects.filter(clinic_id=patient.clinic_id, mrn=patient.mrn).exclude(pk=patient.pk).exists():
        errors["mrn"] = f"a patient with MRN {patient.mrn} already exists in this clinic"
    if errors:
        raise InvalidInput(errors)


@transaction.atomic
def patient_create(*, actor, clinic, **fields) -> Patient:
    fields.setdefault("timezone", clinic.timezone)
    patient = Patient(clinic=clinic, **fields)
    _validate(patient)
    patient._history_user = actor
    patient.save()
    return patient


@transaction.atomic
def patient_update(*, actor, patient: Patient, **fields) -> Patient:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise InvalidInput({name: "cannot be changed" for name in unknown})
    replan = any(name in PLANNING_FIELDS and getattr(patient, name) != value for name, value in fields.items())
    for name, value in fields.items():
        setattr(patient, name, value)
    _validate(patient)
    patient._history_user = actor
    patient.save()
    if replan:
        for enrollment in patient.enrollments.filter(status="active").select_related("clinic", "protocol_version"):
            enrollment_replan(enrollment)
    return patient
