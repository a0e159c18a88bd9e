"""What a patient's printed plan shows: their protocols, the next three months of appointments, oral doses
with their time, blood tests with their windows, and how to reach the clinic. Read in a fixed number of
queries however long the plan is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from django.shortcuts import get_object_or_404

from patients.models import EnrollmentStatus, EventKind, EventStatus, ScheduledEvent
from patients.selectors import patients_for

from ..templatetags.plan_tags import dose_time, event_what, staff_day_text

#: How far ahead the printed plan reaches.
PRINT_DAYS = 92
#: When a clinic has not said when its appointments begin.
DEFAULT_APPOINTMENTS_FROM = time(9, 0)


@dataclass
class OralCourse:
    """A run of home doses of one drug at one time: 'Ferrous sulfate 200 mg oral at 08:00, every day'."""

    what: str
    at: str
    first: date
    last: date
    count: int
    days: list[date]

    @property
    def how_often(self) -> str:
        gaps = {(b - a).days for a, b in zip(self.days, self.days[1:], strict=False)}
        if gaps == {1}:
            return "every day"
        if gaps == {2}:
            return "every other day"
        if gaps == {7}:
            return "once a week"
        return f"{self.count} dose{'s' if self.count != 1 else ''}"


def _oral_courses(doses: list[ScheduledEvent]) -> list[OralCourse]:
    courses: dict[tuple, OralCourse] = {}
    for event in doses:
        key = (event.enrollment_id, event.code, event.dose_mg, dose_time(event))
        course = courses.get(key)
        if course is None:
            what = event_what(event)
            at = dose_time(event)
            courses[key] = OralCourse(what.removesuffix(f" at {at}") if at else what, at, event.due_date, event.due_date, 1,
                                      [event.due_date])
        else:
            course.last = event.due_date
            course.count += 1
            course.days.append(event.due_date)
    return sorted(courses.values(), key=lambda c: (c.first, c.what))


def print_plan(user, pk: int, today: date) -> dict:
    from reminders.models import ClinicReminderSettings

    patient = get_object_or_404(patients_for(user).select_related("clinic"), pk=pk)
    clinic = patient.clinic
    until = today + timedelta(days=PRINT_DAYS)
    enrollments = [e for e in patient.enrollments.filter(status=EnrollmentStatus.ACTIVE)
                   .select_related("protocol_version__protocol").order_by("start_date", "id")
                   if e.clinic_id == clinic.pk]
    events = list(ScheduledEvent.objects.filter(
        patient=patient, enrollment__status=EnrollmentStatus.ACTIVE, status=EventStatus.PLANNED,
        window_end__gte=today, due_date__lte=until,
    ).order_by("due_date", "kind", "sequence", "id"))
    for event in events:
        event.patient = patient
    starts = ClinicReminderSettings.objects.filter(clinic=clinic).values_list("appointments_start_at", flat=True)
    appointments_from = next(iter(starts), None) or DEFAULT_APPOINTMENTS_FROM
    home = [e for e in events if e.kind == EventKind.DOSE and e.setting == "home"]
    return {
        "patient": patient,
        "clinic": clinic,
        "age": patient.age_on(today),
        "enrollments": enrollments,
        "appointments": [e for e in events if e.kind == EventKind.DOSE and e.setting != "home"
                         or e.kind == EventKind.REVIEW],
        "oral": _oral_courses(home),
        "tests": [e for e in events if e.kind == EventKind.LAB],
        "appointments_from": appointments_from,
        "today": today,
        "until": until,
        "until_text": staff_day_text(until),
    }
