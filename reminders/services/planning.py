"""Keeping a patient's reminder rows in step with their plan, preferences and opt-outs.

Runs inside the transaction that changed the plan (see receivers.py), so a reminder is never
left pointing at a dose that moved. Only rows still pending are changed: a row a worker has
claimed finishes as it is, and finished rows are history.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from patients.models import Enrollment, EnrollmentStatus, EventKind, EventStatus, Patient, ScheduledEvent
from patients.phones import PhoneKind

from ..models import (
    REVIVABLE_STATUSES,
    ClinicReminderSettings,
    OptOut,
    PatientReminderPreferences,
    Reminder,
    ReminderKind,
    ReminderStatus,
)
from ..timing import QuietHours, Rules, Slot, appointment_slot, dose_slot, lab_slot

NO_LONGER_NEEDED = "no longer needed: the plan changed"
ENROLLMENT_ENDED = "the enrollment ended"
REMINDERS_OFF = "the patient does not want reminders"
NO_EMAIL = "no email address"
NO_PHONE = "no mobile number"
REFUSED = "was refused by the provider; check the contact details"
NOT_A_MOBILE = "the phone number is a landline: it cannot receive texts"


def is_contact_problem(why_not: str) -> bool:
    """A reason that means the patient's contact details need checking (skipped, not cancelled)."""
    return why_not in (NO_EMAIL, NO_PHONE, NOT_A_MOBILE) or why_not.endswith(REFUSED)


def contact_for(patient: Patient, channel: str) -> str:
    return (patient.email if channel == "email" else patient.phone or "").strip()


def open_opt_outs(patient_id: int) -> set[str]:
    return set(OptOut.objects.filter(patient_id=patient_id, ended_at__isnull=True).values_list("channel", flat=True))


def channel_blocks(patient: Patient, clinic_settings: ClinicReminderSettings, prefs: PatientReminderPreferences,
                   opted_out: set[str]) -> dict[str, str]:
    """Every channel the patient could be reminded on -> why not ('' when it can be used)."""
    chosen = prefs.channels.split(",") if prefs.channels else clinic_settings.channels
    blocks = {}
    for channel in ("email", "sms"):
        contact = contact_for(patient, channel)
        if not patient.reminders_opt_in:
            blocks[channel] = REMINDERS_OFF
        elif channel not in chosen:
            blocks[channel] = f"{channel} is not one of the patient's reminder channels"
        elif channel in opted_out or OptOut.ALL in opted_out:
            blocks[channel] = f"the patient opted out of {channel}"
        elif not contact:
            blocks[channel] = NO_EMAIL if channel == "email" else NO_PHONE
        elif channel == "sms" and patient.phone_kind == PhoneKind.LANDLINE:
            blocks[channel] = NOT_A_MOBILE
        elif prefs.is_undeliverable(channel, contact):
            blocks[channel] = f"{contact} {REFUSED}"
        else:
            blocks[channel] = ""
    return blocks


def rules_for(patient: Patient, clinic_settings: ClinicReminderSettings, prefs: PatientReminderPreferences) -> Rules:
    s = clinic_settings
    return Rules(
        zone=patient.zone,
        quiet=QuietHours(s.quiet_hours_start, s.quiet_hours_end),
        appointment_time=s.appointment_reminder_time,
        appointment_days_before=s.appointment_reminder_days_before,
        appointments_start_at=s.appointments_start_at,
        lab_time=s.lab_reminder_time,
        patient_time=prefs.reminder_time,
    )


def event_slots(event: ScheduledEvent, clinic_settings: ClinicReminderSettings, rules: Rules,
                now: datetime) -> list[tuple[str, Slot]]:
    """The patient reminders an event calls for, and when."""
    if event.status != EventStatus.PLANNED or event.provisional:
        return []  # a provisional date depends on something that has not happened: no reminder yet
    slot, kind = None, None
    if event.kind == EventKind.DOSE and event.setting == "home" and clinic_settings.dose_reminders:
        kind, slot = ReminderKind.DOSE, dose_slot(event.due_at, now)
    elif event.kind == EventKind.DOSE and event.setting == "clinic" and clinic_settings.appointment_reminders:
        kind, slot = ReminderKind.APPOINTMENT, appointment_slot(event.due_date, rules, now)
    elif event.kind == EventKind.LAB and clinic_settings.lab_reminders:
        kind, slot = ReminderKind.LAB, lab_slot(event.window_start, event.window_end, rules, now)
    return [] if slot is None else [(kind, slot)]


def reminder_key(event_id: int, kind: str, channel: str, about: date) -> str:
    return f"event:{event_id}:{kind}:{channel}:{about.isoformat()}"


@dataclass
class _Changes:
    cancel: dict[int, str] = field(default_factory=dict)  # row id -> reason
    update: list[Reminder] = field(default_factory=list)
    create: list[Reminder] = field(default_factory=list)

    def apply(self, now: datetime) -> None:
        for reason in set(self.cancel.values()):
            ids = [pk for pk, why in self.cancel.items() if why == reason]
            Reminder.objects.filter(pk__in=ids, status=ReminderStatus.PENDING).update(
                status=ReminderStatus.CANCELLED, status_reason=reason, next_attempt_at=None, updated_at=now)
        # One short UPDATE per moved row: on SQLite a bulk CASE update grows with the square of its size.
        changeable = Reminder.objects.filter(status__in=[ReminderStatus.PENDING, *REVIVABLE_STATUSES])
        for row in self.update:
            changeable.filter(pk=row.pk).update(
                about_date=row.about_date, key=row.key, send_at=row.send_at, status=row.status,
                status_reason=row.status_reason, next_attempt_at=row.next_attempt_at, updated_at=now)
        Reminder.objects.bulk_create(self.create, batch_size=500)


def _schedule(row: Reminder, about: date, slot: Slot, key: str) -> Reminder:
    row.about_date, row.key, row.send_at = about, key, slot.send_at
    if slot.skipped_reason:
        row.status, row.status_reason, row.next_attempt_at = ReminderStatus.SKIPPED, slot.skipped_reason, None
    else:
        row.status, row.status_reason, row.next_attempt_at = ReminderStatus.PENDING, "", slot.send_at
    return row


def reminders_sync_enrollment(enrollment: Enrollment, *, now: datetime | None = None) -> None:
    """Create, move or cancel the enrollment's patient reminders to match its planned events."""
    now = now or timezone.now()
    patient = enrollment.patient
    clinic_settings = ClinicReminderSettings.for_clinic(enrollment.clinic_id)
    prefs = PatientReminderPreferences.for_patient(patient)
    blocks = channel_blocks(patient, clinic_settings, prefs, open_opt_outs(patient.pk))
    channels = [channel for channel, why in blocks.items() if not why]
    rules = rules_for(patient, clinic_settings, prefs)
    cutoff = now.astimezone(patient.zone).date() - timedelta(days=1)

    desired: dict[tuple[int, str, str], tuple[date, Slot]] = {}
    if enrollment.status == EnrollmentStatus.ACTIVE and channels:
        events = ScheduledEvent.objects.filter(enrollment_id=enrollment.pk, status=EventStatus.PLANNED,
                                               window_end__gte=cutoff).only(
            "id", "kind", "setting", "status", "provisional", "due_date", "due_at", "window_start", "window_end")
        for event in events:
            for kind, slot in event_slots(event, clinic_settings, rules, now):
                for channel in channels:
                    desired[(event.pk, kind, channel)] = (event.due_date, slot)

    rows = Reminder.objects.filter(event__enrollment_id=enrollment.pk).filter(
        Q(status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING]) | Q(event__window_end__gte=cutoff)
    ).only("id", "event_id", "kind", "channel", "about_date", "status", "send_at", "key")
    live: dict[tuple, Reminder] = {}
    by_date: dict[tuple, Reminder] = {}
    for row in rows:
        triple = (row.event_id, row.kind, row.channel)
        if row.status in (ReminderStatus.PENDING, ReminderStatus.SENDING):
            live[triple] = row
        by_date[(*triple, row.about_date)] = row

    changes = _Changes()
    for triple, (about, slot) in desired.items():
        current = live.get(triple)
        if current is not None and current.status == ReminderStatus.SENDING:
            continue  # a worker has it; it finishes as it is
        same_day_live = current is not None and current.about_date == about
        if same_day_live and (current.send_at == slot.send_at or (slot.late and current.send_at <= now)):
            continue  # unchanged, or already due and about to be swept
        if slot.late and triple[1] == ReminderKind.DOSE:
            if current is not None:  # the dose time moved into the past: never remind late
                changes.cancel[current.pk] = NO_LONGER_NEEDED
            continue
        key = reminder_key(*triple, about)
        same_day = by_date.get((*triple, about))
        if same_day is not None and same_day is not current:
            if current is not None:
                changes.cancel[current.pk] = NO_LONGER_NEEDED
            unchanged_skip = (same_day.status == ReminderStatus.SKIPPED and slot.skipped_reason
                              and same_day.send_at == slot.send_at)
            if same_day.status in REVIVABLE_STATUSES and not unchanged_skip:
                changes.update.append(_schedule(same_day, about, slot, key))
            continue
        if current is not None:
            changes.update.append(_schedule(current, about, slot, key))
        else:
            changes.create.append(_schedule(Reminder(
                clinic_id=enrollment.clinic_id, kind=triple[1], channel=triple[2], patient_id=patient.pk,
                event_id=triple[0]), about, slot, key))

    for triple, row in live.items():
        if triple not in desired and row.status == ReminderStatus.PENDING:
            if enrollment.status != EnrollmentStatus.ACTIVE:
                changes.cancel[row.pk] = ENROLLMENT_ENDED
            else:
                changes.cancel[row.pk] = blocks.get(row.channel) or NO_LONGER_NEEDED
    changes.apply(now)


def reminders_sync_patient(patient: Patient, *, now: datetime | None = None) -> None:
    """After a change to the patient (contacts, zone, opt-in) or their choices: re-plan every reminder."""
    enrollments = patient.enrollments.select_related("clinic", "patient", "patient__clinic")
    for enrollment in enrollments.filter(
        Q(status=EnrollmentStatus.ACTIVE) | Q(events__reminders__status=ReminderStatus.PENDING)
    ).distinct():
        enrollment.patient = patient
        reminders_sync_enrollment(enrollment, now=now)


def reminders_cancel_for_patient(patient: Patient, *, reason: str, channel: str | None = None) -> int:
    """Cancel every pending reminder to the patient (on one channel, or all): respected at once."""
    rows = Reminder.objects.for_patients().filter(patient=patient, status=ReminderStatus.PENDING)
    if channel and channel != OptOut.ALL:
        rows = rows.filter(channel=channel)
    return rows.update(status=ReminderStatus.CANCELLED, status_reason=reason, next_attempt_at=None,
                       updated_at=timezone.now())
