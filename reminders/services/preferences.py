"""What patients and clinics chose: opt-outs, channels, times. Each change re-plans at once."""

from datetime import time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alerts.models import Severity
from alerts.services import alert_raise
from patients.errors import InvalidInput
from patients.models import Patient

from ..models import (
    Channel,
    ClinicReminderSettings,
    OptOut,
    OptOutVia,
    PatientReminderPreferences,
    Reminder,
    ReminderKind,
    ReminderStatus,
    new_calendar_token,
    parse_channels,
)
from .planning import reminders_cancel_for_patient, reminders_sync_patient

CLINIC_SETTING_FIELDS = (
    "patient_channels", "dose_reminders", "appointment_reminders", "lab_reminders", "appointment_reminder_time",
    "appointment_reminder_days_before", "appointments_start_at", "lab_reminder_time", "worklist_time",
    "worklist_enabled", "quiet_hours_start", "quiet_hours_end",
)


def _check_channel(channel: str) -> str:
    if channel not in (*Channel.values, OptOut.ALL):
        raise InvalidInput({"channel": f"must be one of {', '.join([*Channel.values, OptOut.ALL])}"})
    return channel


@transaction.atomic
def opt_out_record(*, patient: Patient, channel: str, via: str, detail: str = "") -> tuple[OptOut, bool]:
    """Record that the patient wants no more messages on `channel` ('all' for every channel).

    Pending reminders on that channel are cancelled in the same transaction. Returns
    (opt-out, created); opting out twice keeps the first record.
    """
    _check_channel(channel)
    if via not in OptOutVia.values:
        raise InvalidInput({"via": f"must be one of {', '.join(OptOutVia.values)}"})
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    existing = OptOut.objects.filter(patient=patient, channel=channel, ended_at__isnull=True).first()
    if existing is None:
        existing = OptOut.objects.create(patient=patient, channel=channel, via=via, detail=detail[:200])
        created = True
    else:
        created = False
    reminders_cancel_for_patient(patient, reason=f"the patient opted out of {channel}", channel=channel)
    return existing, created


@transaction.atomic
def opt_out_end(*, patient: Patient, channel: str, via: str) -> int:
    """The patient wants messages again on `channel` ('all': every opt-out ends). Re-plans at once."""
    _check_channel(channel)
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    rows = OptOut.objects.filter(patient=patient, ended_at__isnull=True)
    if channel != OptOut.ALL:
        rows = rows.filter(channel__in=[channel, OptOut.ALL])
    now, ended = timezone.now(), 0
    for opt_out in rows:  # saved one by one: each end of a consent record is in its history
        opt_out.ended_at, opt_out.ended_via = now, via
        opt_out.save(update_fields=["ended_at", "ended_via"])
        ended += 1
    if ended:
        reminders_sync_patient(patient)
    return ended


@transaction.atomic
def patient_reminder_preferences_update(*, patient: Patient, channels: str | list[str] | None = None,
                                        reminder_time: time | None | str = "unchanged",
                                        rotate_calendar_token: bool = False) -> PatientReminderPreferences:
    prefs = PatientReminderPreferences.for_patient(patient)
    prefs = PatientReminderPreferences.objects.select_for_update().get(pk=prefs.pk)
    if channels is not None:
        text = ",".join(channels) if isinstance(channels, list | tuple) else str(channels)
        try:
            prefs.channels = ",".join(parse_channels(text))
        except ValidationError as exc:
            raise InvalidInput({"channels": " ".join(exc.messages)}) from None
    if reminder_time != "unchanged":
        if reminder_time is not None and not isinstance(reminder_time, time):
            raise InvalidInput({"reminder_time": "must be a local time HH:MM, or null for the clinic's times"})
        prefs.reminder_time = reminder_time
    if rotate_calendar_token:
        prefs.calendar_token = new_calendar_token()
    prefs.save()
    reminders_sync_patient(patient)
    return prefs


@transaction.atomic
def contact_flag_undeliverable(*, patient_id: int, channel: str, destination: str, reason: str) -> None:
    """A provider refused a contact for good: stop using it until the patient's details change."""
    prefs = PatientReminderPreferences.for_patient(patient_id)
    prefs = PatientReminderPreferences.objects.select_for_update().get(pk=prefs.pk)
    prefs.undeliverable = {**prefs.undeliverable, channel: {
        "to": destination, "at": timezone.now().isoformat(), "reason": reason[:300],
    }}
    prefs.save(update_fields=["undeliverable", "updated_at"])
    Reminder.objects.for_patients().filter(patient_id=patient_id, channel=channel, status=ReminderStatus.PENDING).update(
        status=ReminderStatus.CANCELLED, status_reason=f"{destination} was refused by the provider",
        next_attempt_at=None, updated_at=timezone.now())


UNDELIVERABLE_ALERT = "reminder-undeliverable"


@transaction.atomic
def reminder_refused(*, reminder: Reminder, error: str, destination: str, bad_contact: bool = False,
                     opted_out: bool = False) -> None:
    """A provider refused a reminder for good: record the opt-out it reported, or flag the contact
    and tell the clinic's staff with an alert."""
    if not reminder.for_patient:
        return
    contact_refused(patient=reminder.patient, channel=reminder.channel, destination=destination, error=error,
                    bad_contact=bad_contact, opted_out=opted_out)


@transaction.atomic
def contact_refused(*, patient: Patient, channel: str, destination: str, error: str, bad_contact: bool = False,
                    opted_out: bool = False) -> None:
    """A provider says a patient's contact will not take our messages: the recipient unsubscribed
    (an opt-out), or the address or number is bad (flagged, and the staff alerted)."""
    if opted_out:
        opt_out_record(patient=patient, channel=channel, via=OptOutVia.PROVIDER, detail=destination)
    elif bad_contact and destination:
        contact_flag_undeliverable(patient_id=patient.pk, channel=channel, destination=destination, reason=error)
        what = "email address" if channel == Channel.EMAIL else "mobile number"
        alert_raise(patient=patient, code=UNDELIVERABLE_ALERT, severity=Severity.WARNING,
                    message=f"Reminders cannot be delivered to the patient's {what} {destination}: {error}. "
                            f"Check the contact details with the patient.",
                    facts={"channel": channel, "destination": destination, "error": error[:300]},
                    fingerprint=f"{channel}:{destination}")


@transaction.atomic
def clinic_reminder_settings_update(*, clinic, **fields) -> ClinicReminderSettings:
    """Change a clinic's reminder defaults; pending reminders are re-planned after the commit.

    Should that task be lost, `reminders_replan_changed_clinics` finds the clinic by its version.
    """
    unknown = sorted(set(fields) - set(CLINIC_SETTING_FIELDS))
    if unknown:
        raise InvalidInput({name: "is not a reminder setting" for name in unknown})
    current = ClinicReminderSettings.for_clinic(clinic)
    current = ClinicReminderSettings.objects.select_for_update().get(pk=current.pk)
    for name, value in fields.items():
        setattr(current, name, value)
    if "patient_channels" in fields:
        try:
            current.patient_channels = ",".join(parse_channels(str(current.patient_channels)))
        except ValidationError as exc:
            raise InvalidInput({"patient_channels": " ".join(exc.messages)}) from None
    try:
        current.full_clean(exclude=["clinic"])
    except ValidationError as exc:
        raise InvalidInput({field: " ".join(messages) for field, messages in exc.message_dict.items()}) from None
    current.version += 1
    current.save()
    from ..tasks import reminders_replan_clinic

    clinic_id = current.clinic_id
    transaction.on_commit(lambda: reminders_replan_clinic.delay(clinic_id))
    return current


def worklists_reschedule(clinic_settings: ClinicReminderSettings) -> int:
    """Move the clinic's pending worklists to its (new) worklist time."""
    from ..timing import worklist_send_at

    zone = clinic_settings.clinic.zone
    moved = 0
    rows = Reminder.objects.filter(clinic_id=clinic_settings.clinic_id, kind=ReminderKind.WORKLIST,
                                   status=ReminderStatus.PENDING)
    for row in rows:
        send_at = worklist_send_at(row.about_date, clinic_settings.worklist_time, zone)
        if not clinic_settings.worklist_enabled:
            moved += Reminder.objects.filter(pk=row.pk, status=ReminderStatus.PENDING).update(
                status=ReminderStatus.CANCELLED, status_reason="worklists are turned off", next_attempt_at=None)
        elif send_at != row.send_at:
            moved += Reminder.objects.filter(pk=row.pk, status=ReminderStatus.PENDING).update(
                send_at=send_at, next_attempt_at=send_at)
    return moved
