"""Bounds on what a clinical record may hold (PROTOCOLS.md section 3): nothing before 1900, before the
patient was born, or in the future beyond a few minutes of clock skew; text that fits its column and has
no control characters; enrollments the schedule engine can plan."""

from datetime import date, datetime, timedelta

from django.db import models
from django.utils import timezone

from config.fields import TEXT_MAX_LENGTH, bad_character, bad_character_message
from protocols.engine import add_months

from ..errors import InvalidInput

#: Clock skew tolerated between a device and the server before a time counts as "in the future".
FUTURE_TOLERANCE = timedelta(minutes=5)
EARLIEST_YEAR = 1900
EARLIEST_DATE = date(EARLIEST_YEAR, 1, 1)
#: An enrollment may start this far back (a course already under way, entered late) or ahead. Beyond
#: that, a daily protocol's plan would run to thousands of doses, and no clinic plans a course years ahead.
ENROLLMENT_BACK_MONTHS = 60
ENROLLMENT_AHEAD_MONTHS = 12


def check_record_instant(field: str, value, *, born: date | None, zone) -> datetime:
    """`value` as an aware instant a record may carry, or InvalidInput naming `field`."""
    if not isinstance(value, datetime) or timezone.is_naive(value):
        raise InvalidInput({field: "must be a date-time with an offset, e.g. 2026-01-05T09:00:00Z"})
    if value.year < EARLIEST_YEAR:
        raise InvalidInput({field: f"is before {EARLIEST_YEAR}"})
    if value > timezone.now() + FUTURE_TOLERANCE:
        raise InvalidInput({field: "is in the future"})
    if born is not None and value.astimezone(zone).date() < born:
        raise InvalidInput({field: f"is before the patient's date of birth ({born:%d %b %Y})"})
    return value


def today_anywhere() -> date:
    """The latest date it is anywhere on Earth now (UTC+14): a baby born today in Kiribati is not in the future."""
    return (timezone.now() + timedelta(hours=14)).date()


def check_birth_date(value, *, today: date) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidInput({"date_of_birth": "must be a date YYYY-MM-DD"})
    if value < EARLIEST_DATE:
        raise InvalidInput({"date_of_birth": f"is before {EARLIEST_YEAR}"})
    if value > today:
        raise InvalidInput({"date_of_birth": "is in the future"})
    return value


def enrollment_start_range(today: date) -> tuple[date, date]:
    return add_months(today, -ENROLLMENT_BACK_MONTHS), add_months(today, ENROLLMENT_AHEAD_MONTHS)


def check_enrollment_start(value, *, born: date, today: date) -> date:
    """A start date the schedule engine can plan: within 5 years back and 1 year ahead of the patient's today."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidInput({"start_date": "must be a date YYYY-MM-DD"})
    earliest, latest = enrollment_start_range(today)
    if not earliest <= value <= latest:
        raise InvalidInput({"start_date": (
            f"must be between {earliest.isoformat()} and {latest.isoformat()}: an enrollment starts at most "
            f"{ENROLLMENT_BACK_MONTHS // 12} years back and {ENROLLMENT_AHEAD_MONTHS // 12} year ahead"
        )})
    if value < born:
        raise InvalidInput({"start_date": f"is before the patient's date of birth ({born:%d %b %Y})"})
    return value


def _limit(field) -> int | None:
    if isinstance(field, models.TextField):
        return TEXT_MAX_LENGTH
    return getattr(field, "max_length", None)


def check_text(model, **values) -> None:
    """Each value fits its column of `model` and has no control characters (free text may have line breaks)."""
    errors = {}
    for name, value in values.items():
        if value in (None, "") or not isinstance(value, str):
            continue
        field = model._meta.get_field(name)
        limit = _limit(field)
        if limit is not None and len(value) > limit:
            errors[name] = f"is {len(value)} characters long; at most {limit}"
            continue
        char = bad_character(value, multiline=isinstance(field, models.TextField))
        if char is not None:
            errors[name] = bad_character_message(char)
    if errors:
        raise InvalidInput(errors)
