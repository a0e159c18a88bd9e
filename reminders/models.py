"""Reminders are rows: an outbox of messages, each sent once by the sweep (see outbox.py).

A reminder is created, moved or cancelled in the same transaction as the plan change that
causes it; the sweep claims due rows, sends them outside any transaction and records what
happened. The row is the truth; Celery only moves work.
"""

import secrets
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message (SMS)"


class ReminderKind(models.TextChoices):
    DOSE = "dose", "Oral dose at the patient's chosen time"
    APPOINTMENT = "appointment", "Injection appointment, the day before"
    LAB = "lab", "Blood test, when its window opens"
    WORKLIST = "worklist", "Nurses' worklist of the day's injections"
    ALERT = "alert", "Clinical alert for clinicians"


#: Reminders that go to the patient (the others go to staff).
PATIENT_KINDS = (ReminderKind.DOSE, ReminderKind.APPOINTMENT, ReminderKind.LAB)
#: Reminders at a time the system chose: quiet hours apply to them.
SYSTEM_TIMED_KINDS = (ReminderKind.APPOINTMENT, ReminderKind.LAB)


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Claimed by a worker"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed permanently"
    EXPIRED = "expired", "Its moment passed before it could be sent"
    SKIPPED = "skipped", "Not sent (quiet hours, no contact)"
    CANCELLED = "cancelled", "Cancelled (plan changed, opted out)"


#: Rows the sweep still has to deal with.
LIVE_STATUSES = (ReminderStatus.PENDING, ReminderStatus.SENDING)
#: Rows the planner may bring back to life when the reason they were dropped goes away.
REVIVABLE_STATUSES = (ReminderStatus.CANCELLED, ReminderStatus.SKIPPED)


def parse_channels(value: str) -> list[str]:
    """'email, sms' -> ['email', 'sms']; unknown names raise ValidationError."""
    names = [item.strip().lower() for item in (value or "").split(",") if item.strip()]
    unknown = sorted(set(names) - set(Channel.values))
    if unknown:
        raise ValidationError(f"unknown channel(s) {', '.join(unknown)}; use {', '.join(Channel.values)}")
    return list(dict.fromkeys(names))


def validate_channels(value: str) -> None:
    parse_channels(value)


class ClinicReminderSettings(models.Model):
    """A clinic's reminder defaults. Created with these defaults the first time it is needed."""

    clinic = models.OneToOneField("clinics.Clinic", on_delete=models.CASCADE, related_name="reminder_settings")
    patient_channels = models.CharField(
        max_length=40, default="email,sms", validators=[validate_channels],
        help_text="Channels patients are reminded on, unless a patient chose their own (comma-separated)",
    )
    dose_reminders = models.BooleanField(default=True, help_text="Oral doses at the patient's chosen time")
    appointment_reminders = models.BooleanField(default=True, help_text="Injection appointments, the day before")
    lab_reminders = models.BooleanField(default=True, help_text="Blood tests, when the window opens")
    appointment_reminder_time = models.TimeField(default=time(18, 0))
    appointment_reminder_days_before = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(7)])
    appointments_start_at = models.TimeField(
        default=time(9, 0), help_text="When the first appointments of a day begin: a reminder held back by quiet "
                                      "hours must arrive before this, or it is skipped")
    lab_reminder_time = models.TimeField(default=time(9, 0))
    worklist_time = models.TimeField(default=time(7, 0), help_text="Nurses' worklist, clinic time")
    worklist_enabled = models.BooleanField(default=True)
    quiet_hours_start = models.TimeField(default=time(21, 0))
    quiet_hours_end = models.TimeField(default=time(8, 0), help_text="Equal to the start: no quiet hours")
    #: Bumped by each change; pending reminders have been re-planned up to `replanned_version`.
    version = models.PositiveIntegerField(default=0, editable=False)
    replanned_version = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "clinic reminder settings"
        verbose_name_plural = "clinic reminder settings"

    def __str__(self) -> str:
        return f"Reminder settings of {self.clinic}"

    @property
    def channels(self) -> list[str]:
        return parse_channels(self.patient_channels)

    @classmethod
    def for_clinic(cls, clinic) -> "ClinicReminderSettings":
        clinic_id = getattr(clinic, "pk", clinic)
        return cls.objects.get_or_create(clinic_id=clinic_id)[0]  # safe against a create race


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class PatientReminderPreferences(models.Model):
    """A patient's own choices; created the first time they are needed."""

    patient = models.OneToOneField("patients.Patient", on_delete=models.CASCADE, related_name="reminder_preferences")
    channels = models.CharField(max_length=40, blank=True, validators=[validate_channels],
                                help_text="Blank: the clinic's channels")
    reminder_time = models.TimeField(
        null=True, blank=True, help_text="The patient's own local time for appointment and blood-test reminders "
                                         "(honoured as chosen, quiet hours do not move it)")
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    #: Contacts a provider refused for good: {"sms": {"to": "+44...", "at": "...", "reason": "..."}}.
    #: A flag applies while the patient's contact is still the one that failed.
    undeliverable = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "patient reminder preferences"

    def __str__(self) -> str:
        return f"Reminder preferences of {self.patient_id}"

    @classmethod
    def for_patient(cls, patient) -> "PatientReminderPreferences":
        patient_id = getattr(patient, "pk", patient)
        return cls.objects.get_or_create(patient_id=patient_id)[0]  # safe against a create race

    def is_undeliverable(self, channel: str, destination: str) -> bool:
        flag = self.undeliverable.get(channel)
        return bool(flag and destination and flag.get("to") == destination)


class OptOutVia(models.TextChoices):
    LINK = "link", "Unsubscribe link"
    SMS_REPLY = "sms-reply", "Replied STOP"
    PROVIDER = "provider", "The SMS provider reported the number unsubscribed"
    STAFF = "staff", "Recorded by staff"


class OptOut(models.Model):
    """A patient said 'no more' on a channel. Kept as history: opting back in ends it."""

    ALL = "all"
    CHANNEL_CHOICES = [*Channel.choices, (ALL, "All channels")]

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="reminder_opt_outs")
    channel = models.CharField(max_length=10, choices=CHANNEL_CHOICES)
    via = models.CharField(max_length=12, choices=OptOutVia.choices)
    detail = models.CharField(max_length=200, blank=True, help_text="e.g. the number that replied STOP")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_via = models.CharField(max_length=12, choices=OptOutVia.choices, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "channel"], condition=Q(ended_at__isnull=True),
                                    name="one_open_opt_out_per_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.patient_id} opted out of {self.channel} via {self.via}"


class ReminderQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=LIVE_STATUSES)

    def for_patients(self):
        return self.filter(kind__in=PATIENT_KINDS)


class Reminder(models.Model):
    """One message to one person on one channel, sent at `send_at` by the sweep."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=ReminderKind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    #: The patient it goes to (patient kinds) or is about (alerts).
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="reminders")
    #: The member of staff it goes to (worklists, alerts).
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="+")
    event = models.ForeignKey("patients.ScheduledEvent", on_delete=models.CASCADE, null=True, blank=True,
                              related_name="reminders")
    alert = models.ForeignKey("alerts.Alert", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    #: The local date the message is about: the event's due date, or the worklist's day.
    about_date = models.DateField(null=True, blank=True)
    #: Unique: 'event:<id>:<kind>:<channel>:<date>', 'alert:<id>:<user>:<channel>', 'worklist:...'.
    key = models.CharField(max_length=200, unique=True)
    send_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING)
    status_reason = models.CharField(max_length=200, blank=True)
    #: When the sweep should next look at the row: `send_at`, a retry's backoff, or a claim's
    #: lease expiry. NULL once the row is finished.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_ref = models.CharField(max_length=100, blank=True, help_text="The provider's message id")
    sent_to = models.CharField(max_length=200, blank=True, help_text="The address or number it was sent to")
    #: When the patient used the one-tap "taken" link of this reminder (usable once).
    link_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["send_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "kind", "channel"],
                                    condition=Q(status__in=["pending", "sending"], event__isnull=False),
                                    name="one_live_reminder_per_event_kind_channel"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at", "id"], condition=Q(status__in=["pending", "sending"]),
                         name="reminder_due"),
            models.Index(fields=["patient", "send_at"], name="reminder_patient_send_at"),
            models.Index(fields=["provider_ref"], condition=~Q(provider_ref=""), name="reminder_provider_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.channel} at {self.send_at:%Y-%m-%d %H:%M}Z ({self.status})"

    @property
    def for_patient(self) -> bool:
        return self.kind in PATIENT_KINDS
