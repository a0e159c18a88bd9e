"""Local times that never fail: an instant at the edge of the calendar (a row stored as 0001-01-01 before
inputs were bounded) cannot be moved into a zone west of UTC, or into one east of it at 9999-12-31."""

from datetime import date, datetime


def local_time(value: datetime, zone) -> datetime:
    """`value` in `zone`; an instant that cannot be shifted stays as it is (in UTC)."""
    try:
        return value.astimezone(zone)
    except OverflowError:
        return value


def local_date(value: datetime, zone) -> date:
    return local_time(value, zone).date()
