"""A patient's private calendar feed (iCalendar, RFC 5545) of upcoming doses and blood tests.

Titles and descriptions are in the patient's language and, like the texts, name no drug or test
unless the clinic opted in.
"""

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from patients.models import EnrollmentStatus, EventKind, EventStatus, Patient, ScheduledEvent

from .language import day_label, in_language, patient_language
from .messages import drug_name, lab_test_names

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
    with in_language(patient_language(patient)):
        return _calendar(patient, now or timezone.now())


def _calendar(patient: Patient, now: datetime) -> bytes:
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
            summary = _("Take %(drug)s") % {"drug": drug_name(event.code)} if details else _("Today's dose")
            entry.add("dtstart", event.due_at)
            entry.add("dtend", event.due_at + DOSE_DURATION)
        else:
            values = {"clinic": clinic.name, "start": day_label(event.window_start), "end": day_label(event.window_end)}
            if event.kind == EventKind.DOSE:
                drug = drug_name(event.code)
                summary = (_("%(drug)s at %(clinic)s") % {**values, "drug": drug[:1].upper() + drug[1:]} if details
                           else _("Appointment at %(clinic)s") % values)
                entry.add("description", _("Your appointment at the clinic."))
            else:
                tests = lab_test_names(event.tests or [event.code])
                summary = _("Blood test (%(tests)s)") % {"tests": tests} if details else _("Blood test due")
                if event.window_start == event.window_end:
                    entry.add("description", _("On %(start)s. Please book it with %(clinic)s.") % values)
                else:
                    entry.add("description", _("Any day between %(start)s and %(end)s. Please book it with %(clinic)s.")
                              % values)
            entry.add("dtstart", event.due_date)
            entry.add("dtend", event.due_date + timedelta(days=1))
            entry.add("transp", "TRANSPARENT")
        if event.provisional:  # depends on something that has not happened yet
            summary = _("%(title)s (to be confirmed)") % {"title": summary}
            entry.add("status", "TENTATIVE")
        entry.add("summary", summary)
        calendar.add_component(entry)
    return calendar.to_ical()
