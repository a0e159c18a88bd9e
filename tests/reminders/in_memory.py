"""Reminders built in memory (nothing saved) to word messages in every language and worst case."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from clinics.models import Clinic
from patients.models import Patient, ScheduledEvent
from reminders.models import Reminder


def a_reminder(*, kind: str, channel: str = "sms", language: str = "en", details: bool = False,
               clinic_name: str = "Riverside Clinic", day: date = date(2026, 1, 5), days_ahead: int = 1,
               code: str | None = None, tests=("fbc",), window_end: date | None = None, dose_mg="200",
               reminder_id: int = 4321) -> Reminder:
    clinic = Clinic(id=1, slug="riverside", name=clinic_name, timezone="Europe/London", language="en",
                    reminder_details_opt_in=details)
    patient = Patient(id=7, clinic=clinic, timezone="Europe/London", language=language,
                      email="pat@example.org", phone="+447700900123")
    default_code = {"dose": "ferrous-sulfate", "appointment": "hydroxocobalamin", "lab": "fbc"}[kind]
    event = ScheduledEvent(id=3, clinic=clinic, patient=patient, kind="lab" if kind == "lab" else "dose",
                           code=code or default_code, due_date=day, dose_mg=Decimal(dose_mg) if dose_mg else None,
                           due_at=datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC),
                           window_start=day, window_end=window_end or day + timedelta(days=14), tests=list(tests))
    send_day = day - timedelta(days=days_ahead if kind == "appointment" else 0)
    send_at = datetime(send_day.year, send_day.month, send_day.day, 18 if kind == "appointment" else 8, 0, tzinfo=UTC)
    return Reminder(id=reminder_id, clinic=clinic, patient=patient, event=event, kind=kind, channel=channel,
                    send_at=send_at, about_date=day)
