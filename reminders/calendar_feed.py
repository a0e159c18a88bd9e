"""A patient's private calendar feed (iCalendar, RFC 5545) of upcoming doses and blood tests."""

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from patients.models import EnrollmentStatus, EventKind, EventStatus, Patient, ScheduledEvent

from .messages import TEST_NAMES, _drug, day_label

#: How far ahead the feed reaches (a daily dose is one entry a day).
FEED_DAYS_AHEAD = 180
#: How long a calendar app should wait before fetching the feed again.
REFRESH_INTERVAL = timedelta(hours=12)
DOSE_DURATION = timedelta(minutes=15)


def feed_events(patient: Patient, now: datetime):
    today = now.astimezone(patient.zone).date()
    return (
        ScheduledEvent.objects.filter(patient=patient, status=EventStatus.PLANNED, kind__in=[EventKind.DOSE, EventKind.LAB],
                                      enrollment__status=EnrollmentStatus.ACTIVE, window_end__gte=today,
                                      due_date__lte=today + timedelta(days=FEED_DAYS_AHEAD))
        .order_by("due_date", "due_at", "id")
    )


def patient_calendar(patient: Patient, *, now: datetime | None = None) -> bytes:
    now = now or timezone.now()
    clinic = patient.clinic
    details = clinic.reminder_details_opt_in
    host = urlsplit(settings.PUBLIC_BASE_URL).hostname or "localhost"
    calendar = Calendar()
    calendar.add("prodid", "-//Clinic scheduler//Reminders//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", clinic.name)
    calendar.add("x-wr-timezone", patient.timezone)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH_INTERVAL)
    for event in feed_events(patient, now):
        entry = Event()
        entry.add("uid", f"event-{event.pk}@{host}")
        entry.add("dtstamp", now)
        entry.add("last-modified", event.updated_at)
        if event.kind == EventKind.DOSE and event.due_at is not None:
            entry.add("summary", f"Take {_drug(event.code)}" if details else "Today's dose")
            entry.add("dtstart", event.due_at)
            entry.add("dtend", event.due_at + DOSE_DURATION)
        else:
            if event.kind == EventKind.DOSE:
                drug = _drug(event.code)
                summary = f"{drug[:1].upper()}{drug[1:]} at {clinic.name}" if details else f"Appointment at {clinic.name}"
                entry.add("description", "Your appointment at the clinic.")
            else:
                tests = ", ".join(TEST_NAMES.get(t, t) for t in (event.tests or [event.code]))
                summary = f"Blood test ({tests})" if details else "Blood test due"
                entry.add("description", f"Any day between {day_label(event.window_start)} and "
                                         f"{day_label(event.window_end)}. Please book it with {clinic.name}.")
            entry.add("summary", summary)
            entry.add("dtstart", event.due_date)
            entry.add("dtend", event.due_date + timedelta(days=1))
            entry.add("transp", "TRANSPARENT")
        if event.provisional:  # depends on something that has not happened yet
            entry["summary"] = f"{entry['summary']} (to be confirmed)"
            entry.add("status", "TENTATIVE")
        calendar.add_component(entry)
    return calendar.to_ical()
