#!/usr/bin/env python
"""Micro-benchmark: the CPU cost of wording a patient reminder in the patient's language.

Words the same dose, appointment and blood-test reminders (built in memory, no database) in English,
Spanish and Polish, by text and by email, as the sweep does for each row, and times on its own the
part a language adds: activating it for one message (translation.override) and the dates. Prints
CPU microseconds per message (process time, median of several rounds) and each one's share of the
sweep's budget of 1.5 ms per reminder.

    .venv/bin/python scripts/bench_message_language.py [--messages 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_US = 1500.0
LANGUAGES = ("en", "es", "pl")


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="bench-language-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("PUBLIC_BASE_URL", "https://reminders.example-clinic-group.org")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("compile_translations", verbosity=0)
    settings.PUBLIC_BASE_URL = os.environ["PUBLIC_BASE_URL"]


def rows(language: str, count: int):
    """`count` reminders of each kind, for different patients and days, as a sweep meets them."""
    from clinics.models import Clinic
    from patients.models import Patient, ScheduledEvent
    from reminders.models import Reminder

    clinic = Clinic(id=1, slug="riverside", name="Riverside Clinic", timezone="Europe/London", language=language)
    made = []
    for n in range(count):
        patient = Patient(id=n + 1, clinic=clinic, timezone="Europe/London", language="", email="p@example.org")
        kind = ("dose", "appointment", "lab")[n % 3]
        day = date(2026, 1, 5) + timedelta(days=n % 28)
        event = ScheduledEvent(id=n + 1, clinic=clinic, patient=patient, kind="lab" if kind == "lab" else "dose",
                               code={"dose": "ferrous-sulfate", "appointment": "hydroxocobalamin", "lab": "fbc"}[kind],
                               due_date=day, due_at=datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC),
                               dose_mg=Decimal("200"), window_start=day, window_end=day + timedelta(days=14),
                               tests=["fbc"])
        send_at = datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC) - timedelta(days=kind == "appointment")
        made.append(Reminder(id=1_000_000 + n, clinic=clinic, patient=patient, event=event, kind=kind,
                             send_at=send_at, about_date=day))
    return made


def cpu_us_per(call, items, rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        started = time.process_time()
        for item in items:
            call(item)
        timings.append((time.process_time() - started) / len(items) * 1e6)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    setup_django()
    from django.utils import translation

    from reminders.language import _day_label, day_label, in_language
    from reminders.messages import patient_text

    def override_only(language):
        with translation.override(language):
            pass

    figures = {}
    for language in LANGUAGES:
        batch = rows(language, args.messages)
        for channel in ("sms", "email"):
            for row in batch:
                row.channel = channel
            patient_text(batch[0], calendar_token="token")  # first use loads the catalog: not per message
            figures[(language, channel)] = cpu_us_per(lambda row: patient_text(row, calendar_token="token"), batch,
                                                      args.rounds)
        figures[(language, "override")] = cpu_us_per(override_only, [language] * args.messages, args.rounds)
        with in_language(language):
            days = [date(2026, 1, 1) + timedelta(days=n % 365) for n in range(args.messages)]
            figures[(language, "date cached")] = cpu_us_per(day_label, days, args.rounds)
            figures[(language, "date uncached")] = cpu_us_per(
                lambda day: (_day_label.cache_clear(), day_label(day)), days, args.rounds)

    load = os.getloadavg()
    print(f"CPU time per message, median of {args.rounds} rounds of {args.messages} (load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores)")
    print(f"{'':6}{'text':>10}{'email':>10}{'override':>10}{'date':>8}{'(uncached)':>12}{'text/budget':>13}")
    for language in LANGUAGES:
        sms, email = figures[(language, "sms")], figures[(language, "email")]
        print(f"{language:6}{sms:>8.1f}us{email:>8.1f}us{figures[(language, 'override')]:>8.2f}us"
              f"{figures[(language, 'date cached')]:>6.2f}us{figures[(language, 'date uncached')]:>10.1f}us"
              f"{sms / BUDGET_US:>12.1%}")
    english = figures[("en", "sms")]
    print("text vs English: " + ", ".join(f"{language} {figures[(language, 'sms')] / english:.2f}x"
                                            for language in LANGUAGES))


if __name__ == "__main__":
    main()
