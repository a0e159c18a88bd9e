"""What the sweep needs to decide about, and to word, a batch of claimed rows, in a few queries."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from alerts.models import AlertStatus
from clinics.models import Clinic
from patients.models import EventStatus, ScheduledEvent

from .channels import Message
from .messages import Text, alert_text, patient_text, worklist_text
from .models import (
    PATIENT_KINDS,
    ClinicReminderSettings,
    OptOut,
    PatientReminderPreferences,
    Reminder,
    ReminderKind,
    ReminderStatus,
)
from .services.planning import channel_blocks, contact_for, event_slots, is_contact_problem, rules_for

#: A patient reminder found this long after its moment is expired, not sent late.
LATE_GRACE = timedelta(minutes=30)
#: A send-time check that moves a reminder by less than this leaves it where it is.
RESCHEDULE_TOLERANCE = timedelta(minutes=1)


def load_claimed(ids: list[int], token) -> list[Reminder]:
    """The claimed rows with what deciding and wording them reads, in three queries.

    Patient rows come with their patient and event, staff rows with their recipient and alert;
    every row, patient and event of a clinic shares one Clinic object (most batches are one
    clinic: one object instead of one per row).
    """
    mine = Reminder.objects.filter(pk__in=ids, claim_token=token, status=ReminderStatus.SENDING)
    rows = list(mine.filter(kind__in=PATIENT_KINDS).select_related("patient", "event"))
    rows += mine.exclude(kind__in=PATIENT_KINDS).select_related("recipient", "alert", "alert__patient")
    clinics = Clinic.objects.in_bulk({row.clinic_id for row in rows})
    for row in rows:
        clinic = clinics[row.clinic_id]
        row.clinic = clinic
        if row.patient_id is not None and row.kind in PATIENT_KINDS:
            row.patient.clinic = clinic
            row.event.patient = row.patient
    rows.sort(key=lambda row: (row.channel, row.send_at, row.pk))
    return rows


@dataclass(frozen=True)
class Verdict:
    """Not now: finish the row with `status` (or, for pending, try again at `retry_at`)."""

    status: str
    reason: str
    retry_at: datetime | None = None


class Batch:
    def __init__(self, rows: list[Reminder]):
        self.rows = rows
        patient_ids = {row.patient_id for row in rows if row.for_patient}
        self.opted_out: dict[int, set[str]] = {}
        for patient_id, channel in OptOut.objects.filter(patient_id__in=patient_ids, ended_at__isnull=True
                                                         ).values_list("patient_id", "channel"):
            self.opted_out.setdefault(patient_id, set()).add(channel)
        self.prefs = {p.patient_id: p for p in PatientReminderPreferences.objects.filter(patient_id__in=patient_ids)}
        clinic_ids = {row.clinic_id for row in rows}
        self.settings = {s.clinic_id: s for s in ClinicReminderSettings.objects.filter(clinic_id__in=clinic_ids)}
        self._worklists: dict[tuple[int, date], list[ScheduledEvent]] = {}

    def clinic_settings(self, clinic_id: int) -> ClinicReminderSettings:
        if clinic_id not in self.settings:
            self.settings[clinic_id] = ClinicReminderSettings.for_clinic(clinic_id)
        return self.settings[clinic_id]

    def preferences(self, patient_id: int) -> PatientReminderPreferences:
        prefs = self.prefs.get(patient_id)
        if prefs is None:  # none saved: the defaults (made once per patient and batch)
            prefs = self.prefs[patient_id] = PatientReminderPreferences(patient_id=patient_id, calendar_token="")
        return prefs

    def destination(self, row: Reminder) -> str:
        if row.for_patient:
            return contact_for(row.patient, row.channel)
        return (row.recipient.email or "").strip()

    # -- deciding ---------------------------------------------------------------------------

    def verdict(self, row: Reminder, now: datetime) -> Verdict | None:
        """None: send it now. Otherwise why not, and what becomes of the row."""
        if row.for_patient:
            return self._patient_verdict(row, now)
        if row.recipient is None or not row.recipient.is_active or not self.destination(row):
            return Verdict(ReminderStatus.SKIPPED, "the member of staff has no email address or left")
        if row.kind == ReminderKind.ALERT and row.alert.status != AlertStatus.OPEN:
            return Verdict(ReminderStatus.CANCELLED, f"the alert was {row.alert.status} before it was sent")
        if row.kind == ReminderKind.WORKLIST and not self.clinic_settings(row.clinic_id).worklist_enabled:
            return Verdict(ReminderStatus.CANCELLED, "worklists are turned off")
        return None

    def _patient_verdict(self, row: Reminder, now: datetime) -> Verdict | None:
        event, patient = row.event, row.patient
        if event.status != EventStatus.PLANNED or event.due_date != row.about_date:
            return Verdict(ReminderStatus.CANCELLED, "the event is no longer planned for that day")
        prefs = self.preferences(patient.pk)
        clinic_settings = self.clinic_settings(row.clinic_id)
        why_not = channel_blocks(patient, clinic_settings, prefs, self.opted_out.get(patient.pk, set()))[row.channel]
        if why_not:
            return Verdict(ReminderStatus.SKIPPED if is_contact_problem(why_not) else ReminderStatus.CANCELLED, why_not)
        if now > row.send_at + LATE_GRACE:
            late = int((now - row.send_at).total_seconds() // 60)
            return Verdict(ReminderStatus.EXPIRED, f"its moment passed {late} minutes before it could be sent")
        slots = [slot for kind, slot in event_slots(event, clinic_settings, rules_for(patient, clinic_settings, prefs),
                                                    now) if kind == row.kind]
        if not slots:
            return Verdict(ReminderStatus.CANCELLED, "no longer needed under the clinic's reminder settings")
        slot = slots[0]
        if slot.skipped_reason:
            return Verdict(ReminderStatus.SKIPPED, slot.skipped_reason)
        if slot.send_at > now + RESCHEDULE_TOLERANCE:
            return Verdict(ReminderStatus.PENDING, "held back to a later time", retry_at=slot.send_at)
        return None

    def note_permanent_failure(self, row: Reminder, error) -> None:
        """Later rows of this batch to the same contact are decided with what was just learnt."""
        if not row.for_patient:
            return
        if error.opted_out:
            self.opted_out.setdefault(row.patient_id, set()).add(row.channel)
        elif error.bad_contact:
            prefs = self.prefs.setdefault(row.patient_id, self.preferences(row.patient_id))
            prefs.undeliverable = {**prefs.undeliverable, row.channel: {"to": self.destination(row)}}

    # -- wording ----------------------------------------------------------------------------

    def message(self, row: Reminder) -> Message:
        if row.for_patient:
            text = patient_text(row, calendar_token=self.preferences(row.patient_id).calendar_token)
        elif row.kind == ReminderKind.ALERT:
            text = alert_text(row)
        else:
            text = worklist_text(row, self.worklist(row.clinic_id, row.about_date))
        return self._message(row, text)

    def _message(self, row: Reminder, text: Text) -> Message:
        return Message(reference=row.pk, channel=row.channel, to=self.destination(row), body=text.body,
                       subject=text.subject, sender_name=row.clinic.name, headers=text.headers)

    def worklist(self, clinic_id: int, day: date) -> list[ScheduledEvent]:
        if (clinic_id, day) not in self._worklists:
            self._worklists[(clinic_id, day)] = list(
                ScheduledEvent.objects.filter(clinic_id=clinic_id, due_date=day, kind="dose", setting="clinic",
                                              status=EventStatus.PLANNED)
                .select_related("patient").order_by("patient__family_name", "patient__given_name", "id"))
        return self._worklists[(clinic_id, day)]
