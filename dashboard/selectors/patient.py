"""Everything the patient page shows, read once and scoped to the acting user's clinic."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.shortcuts import get_object_or_404

from alerts.models import Alert, AlertStatus
from clinics.permissions import clinic_id_of
from config.times import local_date
from patients.adherence import Adherence, adherence_by
from patients.lab_codes import TESTS
from patients.models import (
    Administration,
    Enrollment,
    EnrollmentStatus,
    EventKind,
    EventStatus,
    LabResult,
    ScheduledEvent,
)
from patients.selectors import patients_for
from patients.services.schedule import enrollment_plan

from ..charts import Band, Series, Threshold, line_chart, plan_timeline, timeline_range

CHARTS = (("hb", "Haemoglobin"), ("ferritin", "Ferritin"), ("b12", "Vitamin B12"), ("retic", "Reticulocytes"))
ADHERENCE_DAYS = 28
#: Events listed around today; the full plan is one click away.
NEAR_EVENTS = 8
TIMELINE_AHEAD_DAYS = 120
REMINDERS_SHOWN = 20
ADMINISTRATIONS_SHOWN = 10
ADMINISTRATIONS_READ = 200
#: What the lab results and administrations tables show (with who recorded and corrected each), and no more.
STAFF_NAME = ("username", "first_name", "last_name")
LAB_RESULT_FIELDS = (
    "id", "patient_id", "code", "loinc", "value", "unit", "normalized_value", "normalized_unit", "collected_at",
    "entered_in_error", "error_reason", "error_at",
    *(f"recorded_by__{f}" for f in STAFF_NAME), *(f"error_by__{f}" for f in STAFF_NAME),
)
ADMINISTRATION_FIELDS = (
    "id", "patient_id", "outcome", "occurred_at", "dose_mg", "route", "site", "lot_number", "source",
    "entered_in_error", "error_reason", "error_at", "event__code", "event__phase", "event__sequence",
    *(f"recorded_by__{f}" for f in STAFF_NAME), *(f"error_by__{f}" for f in STAFF_NAME),
)


@dataclass
class EnrollmentView:
    enrollment: object
    bands: list[Band]
    events: list[ScheduledEvent]
    adherence_recent: Adherence
    adherence_course: Adherence
    endable: list[tuple[str, str]]
    timeline: str = ""
    recent: list[ScheduledEvent] = field(default_factory=list)
    upcoming: list[ScheduledEvent] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.enrollment.status == EnrollmentStatus.ACTIVE


def _bands(enrollment, plan) -> list[Band]:
    """The phases with their dates; a stopped enrollment's phases end on its last day (none start after it)."""
    titles = {p.slug: p.title for p in enrollment.definition.phases}
    stopped = enrollment.ended_on if enrollment.status != EnrollmentStatus.ACTIVE else None
    bands = []
    for s in plan.phases:
        if s.start is None or (stopped and s.start > stopped):
            continue
        end = min(s.end, stopped) if (stopped and s.end) else (stopped or s.end)
        bands.append(Band(titles.get(s.slug, s.slug), s.slug, s.start, end))
    return bands


def _endable(enrollment, plan, today: date) -> list[tuple[str, str]]:
    if enrollment.status != EnrollmentStatus.ACTIVE:
        return []
    found = []
    for phase in enrollment.definition.phases:
        span = next((s for s in plan.phases if s.slug == phase.slug), None)
        if (phase.clinician_can_end and phase.slug not in enrollment.phase_ends and span and span.start
                and span.start <= today and (span.end is None or span.end >= today)):
            found.append((phase.slug, phase.title))
    return found


def _near(events: list[ScheduledEvent], today: date):
    live = [e for e in events if e.status != EventStatus.CANCELLED]
    past = [e for e in live if e.due_date < today or e.status != EventStatus.PLANNED]
    ahead = [e for e in live if e.due_date >= today and e.status == EventStatus.PLANNED]
    return past[-NEAR_EVENTS:][::-1], ahead[:NEAR_EVENTS]


def _enrollments_of(user, patient) -> list[Enrollment]:
    """The patient's enrollments, read through the patient's own index; the clinic is checked on the rows
    (filtering on it in SQL lets SQLite's planner, without statistics, walk all of the clinic's enrollments)."""
    clinic_id = clinic_id_of(user)
    enrollments = [e for e in patient.enrollments.select_related("protocol_version__protocol", "created_by", "ended_by")
                   .order_by("status", "-start_date", "-id") if e.clinic_id == clinic_id]
    for enrollment in enrollments:  # the patient and clinic already read, not read again per enrollment
        enrollment.patient, enrollment.clinic = patient, patient.clinic
    return enrollments


def enrollment_views(user, patient, today: date) -> list[EnrollmentView]:
    enrollments = _enrollments_of(user, patient)
    if not enrollments:
        return []
    events = defaultdict(list)
    for event in ScheduledEvent.objects.filter(patient=patient).order_by("due_date", "kind", "sequence", "id"):
        event.patient = patient
        events[event.enrollment_id].append(event)
    base = ScheduledEvent.objects.filter(patient=patient)
    recent = adherence_by(base, today=today, since=today - timedelta(days=ADHERENCE_DAYS), key="enrollment_id")
    course = adherence_by(base, today=today, key="enrollment_id")
    views = []
    for enrollment in enrollments:
        plan = enrollment_plan(enrollment, today)
        bands = _bands(enrollment, plan)
        rows = events[enrollment.pk]
        view = EnrollmentView(enrollment, bands, rows, recent.get(enrollment.pk, Adherence()),
                              course.get(enrollment.pk, Adherence()), _endable(enrollment, plan, today))
        start = enrollment.start_date - timedelta(days=7)
        end = max(today, enrollment.start_date) + timedelta(days=TIMELINE_AHEAD_DAYS)
        view.timeline = plan_timeline(rows, bands, start=start, end=end, today=today, chart_id=f"plan-{enrollment.pk}")
        view.recent, view.upcoming = _near(rows, today)
        views.append(view)
    return views


def lab_charts(patient, labs: list[LabResult], views: list[EnrollmentView], today: date) -> list[dict]:
    clinic = patient.clinic
    thresholds = {
        "hb": [Threshold("lower limit of normal", patient.hb_normal_g_l())],
        "ferritin": [Threshold("deficient below", clinic.threshold("ferritin_deficient_ug_l")),
                     Threshold("with raised CRP, below", clinic.threshold("ferritin_deficient_with_crp_ug_l"))],
        "b12": [Threshold("deficient below", clinic.threshold("b12_deficient_ng_l")),
                Threshold("unlikely above", clinic.threshold("b12_unlikely_ng_l"))],
        "retic": [],
    }
    zone = patient.zone
    valid = [r for r in labs if not r.entered_in_error]
    bands = [band for view in views if view.active for band in view.bands]
    days = [local_date(r.collected_at, zone) for r in valid] + [b.start for b in bands]
    start, end = timeline_range(min(days, default=today), max(days, default=today), today)
    charts = []
    for code, title in CHARTS:
        series = Series(title, TESTS[code].unit, thresholds=thresholds[code])
        series.points = [(local_date(r.collected_at, zone), float(r.normalized_value)) for r in valid if r.code == code]
        if code == "retic" and not series.points:
            continue
        charts.append({"code": code, "title": title, "series": series,
                       "svg": line_chart(series, bands, start=start, end=end, today=today, chart_id=f"chart-{code}")})
    return charts


def reminders_for(patient) -> dict:
    """The patient's reminders that have been dealt with (sent, failed, expired, skipped), newest
    first, and how many are still waiting. Cancelled rows are plan churn, not messages."""
    from reminders.models import LIVE_STATUSES, Reminder, ReminderStatus

    queryset = Reminder.objects.for_patients().filter(patient=patient)
    return {
        "sent": list(
            queryset.exclude(status__in=[*LIVE_STATUSES, ReminderStatus.CANCELLED])
            .order_by("-send_at", "-id")[:REMINDERS_SHOWN]
        ),
        "scheduled": queryset.filter(status__in=LIVE_STATUSES).count(),
    }


def patient_page(user, pk: int, today: date) -> dict:
    patient = get_object_or_404(patients_for(user), pk=pk)
    views = enrollment_views(user, patient, today)
    labs = list(LabResult.objects.filter(patient=patient).select_related("recorded_by", "error_by")
                .only(*LAB_RESULT_FIELDS).order_by("-collected_at", "-id"))
    administrations = list(Administration.objects.filter(patient=patient)
                           .select_related("event", "recorded_by", "error_by").only(*ADMINISTRATION_FIELDS)
                           .order_by("-occurred_at", "-id")[:ADMINISTRATIONS_READ])
    alerts = list(Alert.objects.filter(patient=patient).exclude(status=AlertStatus.RESOLVED)
                  .select_related("acknowledged_by").order_by("-created_at"))
    for alert in alerts:  # each item names the patient: already read, not read again per alert
        alert.patient = patient
    recordable = [e for v in views if v.active for e in v.events
                  if e.kind == EventKind.DOSE and e.setting == "clinic" and e.status == EventStatus.PLANNED
                  and e.window_start <= today]
    return {
        "patient": patient,
        "age": patient.age_on(today),
        "enrollments": views,
        "labs": labs,
        "charts": lab_charts(patient, labs, views, today),
        "administrations": administrations,
        "alerts": alerts,
        "recordable": recordable[:4],
        "reminders": reminders_for(patient),
        "today": today,
    }
