from datetime import date, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from clinics.languages import language_choices
from clinics.models import validate_timezone

from .phones import PhoneKind


class Sex(models.TextChoices):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Patient(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="patients")
    mrn = models.CharField("MRN", max_length=64)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices)
    pregnant = models.BooleanField(default=False)
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, e.g. +447700900123")
    #: What the phone number is, from libphonenumber's metadata: texts are not sent to landlines.
    phone_kind = models.CharField(max_length=10, blank=True, choices=PhoneKind.CHOICES)
    preferred_dose_time = models.TimeField(default=time(8, 0))
    reminders_opt_in = models.BooleanField(default=True)
    language = models.CharField(max_length=10, choices=language_choices, blank=True,
                                help_text="The language of the patient's reminders and pages (blank: the clinic's)")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        constraints = [models.UniqueConstraint(fields=["clinic", "mrn"], name="unique_mrn_per_clinic")]
        # A clinic's patients in the list's order, with what the list searches (name and MRN prefixes).
        indexes = [models.Index(fields=["clinic", "family_name", "given_name", "mrn"], name="patient_clinic_name")]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name} ({self.mrn})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def message_language(self) -> str:
        """The language to write to the patient in: their own, or their clinic's."""
        return self.language or self.clinic.language

    def age_on(self, day: date) -> int:
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))

    def hb_normal_g_l(self) -> float:
        """The lower limit of normal Hb for this patient (WHO thresholds, clinic defaults)."""
        if self.pregnant:
            return self.clinic.threshold("hb_normal_pregnancy_g_l")
        if self.sex == Sex.MALE:
            return self.clinic.threshold("hb_normal_male_g_l")
        return self.clinic.threshold("hb_normal_female_g_l")

    def local_today(self) -> date:
        return timezone.now().astimezone(self.zone).date()


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active"
    ENDED = "ended"


class Enrollment(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="enrollments")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="enrollments")
    protocol_version = models.ForeignKey("protocols.ProtocolVersion", on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField()
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE)
    #: Phases a clinician ended: {"loading": {"date": "2026-02-01", "reason": "...", "by": 3, "at": "..."}}
    phase_ends = models.JSONField(default=dict, blank=True)
    override_reason = models.TextField(blank=True, help_text="Why a clinician overrode a safety guard")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.TextField(blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    #: The last day planned for open-ended phases; a daily task extends it.
    planned_until = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["clinic", "status"])]

    def __str__(self) -> str:
        return f"{self.patient} on {self.protocol_version}"

    @property
    def protocol_slug(self) -> str:
        return self.protocol_version.protocol.slug

    @property
    def definition(self):
        return self.protocol_version.parsed


class EventKind(models.TextChoices):
    DOSE = "dose"
    LAB = "lab"
    REVIEW = "review"


class EventStatus(models.TextChoices):
    PLANNED = "planned"
    GIVEN = "given"
    MISSED = "missed"
    DECLINED = "declined"
    OVERDUE = "overdue"  # shown, never stored: a planned event whose window has closed
    DONE = "done"
    CANCELLED = "cancelled"


class ScheduledEventQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=EventStatus.PLANNED)

    def overdue_on(self, day: date):
        return self.filter(status=EventStatus.PLANNED, window_end__lt=day)


class ScheduledEvent(models.Model):
    """One dated item of a plan: a dose, a blood test or a clinician review.

    Rows are kept in step with the schedule engine's output by `enrollment_replan`; a row keeps
    its id (and its `key`, e.g. 'loading#3') while it is planned and its date moves.
    """

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="events")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="events")
    key = models.CharField(max_length=80)
    kind = models.CharField(max_length=10, choices=EventKind.choices)
    code = models.CharField(max_length=40)
    phase = models.CharField(max_length=40)
    arm = models.CharField(max_length=40)
    sequence = models.PositiveIntegerField()
    due_date = models.DateField()
    due_at = models.DateTimeField(null=True, blank=True)
    window_start = models.DateField()
    window_end = models.DateField()
    status = models.CharField(max_length=10, choices=EventStatus.choices, default=EventStatus.PLANNED)
    setting = models.CharField(max_length=10, blank=True)
    dose_mg = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    route = models.CharField(max_length=10, blank=True)
    tests = models.JSONField(default=list, blank=True)
    late = models.BooleanField(default=False)
    provisional = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScheduledEventQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [models.UniqueConstraint(fields=["enrollment", "key"], name="unique_event_key")]
        indexes = [
            models.Index(fields=["clinic", "due_date"], name="event_clinic_due"),
            models.Index(fields=["clinic", "window_end"], name="event_open_window",
                         condition=Q(status="planned")),
            models.Index(fields=["patient", "due_date"], name="event_patient_due"),
            # Worklists: a clinic's open doses or tests due by a date (the partial index above cannot serve
            # a parametrised status on SQLite).
            models.Index(fields=["clinic", "status", "kind", "due_date"], name="event_clinic_status_kind_due"),
            # Open events as the worklist, the overview and the overdue filter count them: read from the index
            # alone. The constant status stays a key column so that SQLite's planner, without statistics, prefers it.
            models.Index(fields=["clinic", "status", "kind", "setting", "due_date", "window_end", "window_start",
                                 "provisional", "enrollment", "patient"],
                         name="event_open_by_setting_due", condition=Q(status="planned")),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.phase} #{self.sequence} due {self.due_date}"

    def display_status(self, today: date | None = None) -> str:
        if self.status == EventStatus.PLANNED:
            today = today or timezone.now().astimezone(ZoneInfo(self.patient.timezone)).date()
            if self.window_end < today:
                return EventStatus.OVERDUE
        return self.status


class ClinicalRecord(models.Model):
    """Append-only: a wrong entry is marked entered-in-error, never edited or deleted."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    entered_in_error = models.BooleanField(default=False)
    error_reason = models.TextField(blank=True)
    error_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    error_at = models.DateTimeField(null=True, blank=True)

    ERROR_FIELDS = frozenset({"entered_in_error", "error_reason", "error_by", "error_at"})

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if self.pk is not None and not kwargs.get("force_insert"):
            if update_fields is None or not set(update_fields) <= self.ERROR_FIELDS:
                raise ValueError("clinical records are append-only; mark the entry entered-in-error instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("clinical records are append-only; mark the entry entered-in-error instead")


class Outcome(models.TextChoices):
    GIVEN = "given"
    MISSED = "missed"
    DECLINED = "declined"


class InjectionSite(models.TextChoices):
    DELTOID_LEFT = "deltoid-left", "Left deltoid"
    DELTOID_RIGHT = "deltoid-right", "Right deltoid"
    THIGH_LEFT = "thigh-left", "Left thigh (vastus lateralis)"
    THIGH_RIGHT = "thigh-right", "Right thigh (vastus lateralis)"
    GLUTEAL_LEFT = "gluteal-left", "Left ventrogluteal"
    GLUTEAL_RIGHT = "gluteal-right", "Right ventrogluteal"


class Source(models.TextChoices):
    STAFF = "staff", "Recorded by staff"
    PATIENT = "patient", "Reported by the patient"
    PHONE = "phone", "Reported by phone, recorded by staff"


class Administration(ClinicalRecord):
    """The outcome of one dose event: given (with dose, route, site, lot), missed or declined."""

    event = models.ForeignKey(ScheduledEvent, on_delete=models.PROTECT, related_name="administrations")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    occurred_at = models.DateTimeField()
    occurred_on = models.DateField(help_text="The local date it happened on")
    dose_mg = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    route = models.CharField(max_length=10, blank=True)
    site = models.CharField(max_length=20, choices=InjectionSite.choices, blank=True)
    lot_number = models.CharField(max_length=64, blank=True)
    performed_by = models.CharField(max_length=200, blank=True, help_text="Who gave it, if not the recorder")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.STAFF)
    note = models.TextField(blank=True)
    # NULL, not "", so that the unique constraint ignores records made without a key.
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001

    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "idempotency_key"], name="unique_administration_idempotency_key"),
            models.UniqueConstraint(fields=["event"], condition=Q(entered_in_error=False), name="one_valid_outcome_per_event"),
        ]
        indexes = [
            models.Index(fields=["patient", "occurred_at"]),
            # Today's "Done today": a clinic's records of one day.
            models.Index(fields=["clinic", "occurred_on"], name="administration_clinic_day"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.outcome} {self.occurred_on}"


class LabResult(ClinicalRecord):
    code = models.CharField(max_length=20)
    loinc = models.CharField("LOINC", max_length=20)
    value = models.DecimalField(max_digits=14, decimal_places=4)
    unit = models.CharField(max_length=20)
    normalized_value = models.DecimalField(max_digits=14, decimal_places=3)
    normalized_unit = models.CharField(max_length=20)
    collected_at = models.DateTimeField()
    #: The value was far more likely a unit mistake and the person filing it confirmed it as it is.
    confirmed_unusual = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-collected_at", "-id"]
        indexes = [models.Index(fields=["patient", "code", "collected_at"])]

    def __str__(self) -> str:
        return f"{self.code} {self.value} {self.unit} on {self.collected_at:%Y-%m-%d}"
