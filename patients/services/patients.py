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
            "reminders_opt_in", "pregnant", "language", "date_of_birth", "sex")


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


@transaction.atomic
def patient_details_update(*, actor, patient: Patient, channels: list[str] | None = None,
                           opt_outs_ended: list[str] = (), **fields) -> Patient:
    """The patient's details as staff edit them on one page: the fields of `patient_update` with their
    reminder channels (None: unchanged; []: the clinic's) and the opt-outs the patient asked staff to end.
    All or nothing: an invalid field leaves the patient and their reminders as they were."""
    from reminders.models import OptOutVia, PatientReminderPreferences
    from reminders.services.preferences import opt_out_end, patient_reminder_preferences_update

    patient = patient_update(actor=actor, patient=patient, **fields)
    if channels is not None:
        current = PatientReminderPreferences.objects.filter(patient=patient).values_list("channels", flat=True).first()
        if set(filter(None, (current or "").split(","))) != set(channels):
            patient_reminder_preferences_update(patient=patient, channels=list(channels))
    for channel in opt_outs_ended:
        opt_out_end(patient=patient, channel=channel, via=OptOutVia.STAFF)
    return patient
