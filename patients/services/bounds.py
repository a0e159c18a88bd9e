"""Bounds on the dates and instants of clinical records (PROTOCOLS.md section 3): nothing before
1900, before the patient was born, or in the future beyond a few minutes of clock skew."""

from datetime import date, datetime, timedelta

from django.utils import timezone

from ..errors import InvalidInput

#: Clock skew tolerated between a device and the server before a time counts as "in the future".
FUTURE_TOLERANCE = timedelta(minutes=5)
EARLIEST_YEAR = 1900


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
