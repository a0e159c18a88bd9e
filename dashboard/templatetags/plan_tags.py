"""How a plan's events read on the patient's pages and the printed plan: what each one is (a drug and dose
with its time, a blood test and its tests, a clinician review), and its dates with their year."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django import template

from patients.lab_codes import TESTS

register = template.Library()

#: Test codes of the protocols' monitoring as a nurse writes them on a form.
TEST_WORDS = {
    "fbc": "FBC", "crp": "CRP", "b12": "B12", "mcv": "MCV", "tsat": "transferrin saturation",
    "reticulocytes": "reticulocytes", "retic": "reticulocytes", "u-and-e": "U&E", "lft": "LFT",
}
DRUG_WORDS = {"ferrous-sulfate": "ferrous sulfate", "ferrous-fumarate": "ferrous fumarate",
              "ferrous-gluconate": "ferrous gluconate", "folic-acid": "folic acid"}


def test_word(code: str) -> str:
    if code in TEST_WORDS:
        return TEST_WORDS[code]
    known = TESTS.get(code)
    return known.name.lower() if known else code.replace("-", " ")


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def staff_day_text(day: date | None) -> str:
    """'Mon 5 Jan 2026', always with its year: birth dates and the printed plan (other staff dates: `staff_date`)."""
    return f"{day:%a} {day.day} {day:%b %Y}" if day else ""


@register.filter
def staff_day(day) -> str:
    if isinstance(day, datetime):
        day = day.date()
    return staff_day_text(day)


@register.filter
def dose_time(event) -> str:
    """The local time of a home dose in the patient's zone ('08:00'), '' when the dose has no time."""
    if event.kind != "dose" or event.setting != "home" or event.due_at is None:
        return ""
    try:
        return event.due_at.astimezone(_zone(event.patient.timezone)).strftime("%H:%M")
    except (OverflowError, ValueError, KeyError):
        return ""


@register.filter
def tests_words(tests) -> str:
    names = [test_word(str(code)) for code in (tests or [])]
    return ", ".join(dict.fromkeys(names))


@register.filter
def event_what(event) -> str:
    """'Hydroxocobalamin 1 mg IM', 'Ferrous sulfate 200 mg oral at 08:00', 'Blood test: FBC, ferritin',
    'Clinician review'."""
    if event.kind == "review":
        return "Clinician review"
    if event.kind == "lab":
        tests = tests_words(event.tests) or test_word(event.code)
        return f"Blood test: {tests}"
    drug = DRUG_WORDS.get(event.code, event.code.replace("-", " "))
    dose = f"{event.dose_mg.normalize():f} mg" if event.dose_mg is not None else ""
    words = " ".join(part for part in (drug[:1].upper() + drug[1:], dose, event.route) if part)
    at = dose_time(event)
    return f"{words} at {at}" if at else words


@register.filter
def event_where(event) -> str:
    """Where and which: 'B12 loading, dose 3 at the clinic', 'at home'."""
    if event.kind != "dose":
        return ""
    place = "at home" if event.setting == "home" else "at the clinic"
    return f"{(event.phase or '').replace('-', ' ')} dose {event.sequence}, {place}"


@register.filter
def window_words(event) -> str:
    """When a test or injection may be done: 'on Mon 5 Jan 2026' or 'Mon 5 Jan – Fri 9 Jan 2026'."""
    start, end = event.window_start, event.window_end
    if not start or not end or start >= end:
        return f"on {staff_day_text(end or start or event.due_date)}"
    first = f"{start:%a} {start.day} {start:%b}" + (f" {start:%Y}" if start.year != end.year else "")
    return f"{first} – {staff_day_text(end)}"
