"""Calendar maths: clinic open days, calendar months, local times of day. Pure Python."""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_weekdays(value: str | list[str] | tuple[str, ...]) -> frozenset[int]:
    """'mon,wed,fri' or ['mon', 'wed'] -> {0, 2}. Unknown names raise ValueError."""
    names = value.split(",") if isinstance(value, str) else list(value)
    days = set()
    for name in names:
        key = name.strip().lower()[:3]
        if key not in WEEKDAY_NAMES:
            raise ValueError(f"unknown weekday {name!r}; use mon, tue, wed, thu, fri, sat, sun")
        days.add(WEEKDAY_NAMES.index(key))
    if not days:
        raise ValueError("at least one weekday is needed")
    return frozenset(days)


def format_weekdays(days: frozenset[int] | set[int]) -> str:
    return ",".join(WEEKDAY_NAMES[d] for d in sorted(days))


def add_months(day: date, months: int) -> date:
    """Add calendar months, clipping the day to the month's length (31 Aug + 3 = 30 Nov)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = _calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_period(day: date, value: int, unit: str) -> date:
    if unit == "day":
        return day + timedelta(days=value)
    if unit == "week":
        return day + timedelta(weeks=value)
    if unit == "month":
        return add_months(day, value)
    if unit == "year":
        return add_months(day, 12 * value)
    raise ValueError(f"unknown period unit {unit!r}")


def local_instant(day: date, at: time, zone: ZoneInfo | str) -> datetime:
    """The UTC instant of wall-clock time `at` on local date `day` in `zone`.

    A wall time inside a spring-forward gap moves forward by the gap; an ambiguous wall time at a
    fall-back is its first occurrence (RFC 5545 section 3.3.5). `fold=0` gives exactly that in
    zoneinfo: the offset in force before the transition.
    """
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    return datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True)
class ClinicCalendar:
    """When the clinic can give an injection."""

    timezone: str = "Europe/London"
    open_weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    injection_weekdays: frozenset[int] = frozenset({0, 2, 4})
    closed_dates: frozenset[date] = field(default_factory=frozenset)

    def is_open(self, day: date) -> bool:
        return day.weekday() in self.open_weekdays and day not in self.closed_dates

    def next_open_day(self, day: date) -> date:
        """`day` itself if the clinic is open then, else the next open day."""
        for _ in range(800):
            if self.is_open(day):
                return day
            day += timedelta(days=1)
        raise ValueError("the clinic calendar has no open day in the next two years")

    def next_injection_day(self, day: date) -> date:
        """The first injection weekday on or after `day` on which the clinic is open."""
        for _ in range(800):
            if day.weekday() in self.injection_weekdays and self.is_open(day):
                return day
            day += timedelta(days=1)
        raise ValueError("the clinic calendar has no open injection day in the next two years")
