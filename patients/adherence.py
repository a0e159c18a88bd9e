"""Adherence: how much of what was due actually happened. Reads only; one grouped query.

- Clinic injections: doses given within their window over the doses due. A dose is due once
  something is recorded for it or its window has closed with nothing recorded (overdue).
- Oral doses at home: doses confirmed taken over doses planned before today (the proportion
  of days covered; each planned dose covers its own day or interval).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Q, QuerySet

from .models import EventKind, EventStatus, ScheduledEvent

RECORDED = (EventStatus.GIVEN, EventStatus.MISSED, EventStatus.DECLINED)


@dataclass(frozen=True)
class Ratio:
    done: int = 0
    due: int = 0

    @property
    def pct(self) -> int | None:
        """Whole percent, rounded down (79.9 % is below an 80 % target), or None when nothing was due."""
        return None if not self.due else (100 * self.done) // self.due

    def __bool__(self) -> bool:
        return bool(self.due)

    def __str__(self) -> str:
        return "—" if not self.due else f"{self.pct}% ({self.done}/{self.due})"


@dataclass(frozen=True)
class Adherence:
    injections: Ratio = Ratio()
    oral: Ratio = Ratio()

    @property
    def worst_pct(self) -> int | None:
        values = [r.pct for r in (self.injections, self.oral) if r]
        return min(values) if values else None


def _conditions(today: date) -> dict[str, Q]:
    clinic, home = Q(setting="clinic"), Q(setting="home")
    injection_due = clinic & (Q(status__in=RECORDED) | Q(status=EventStatus.PLANNED, window_end__lt=today))
    on_time = Q(status=EventStatus.GIVEN, due_date__gte=F("window_start"), due_date__lte=F("window_end"))
    oral_due = home & Q(due_date__lt=today) & Q(status__in=(EventStatus.PLANNED, *RECORDED))
    return {
        "injections_due": injection_due,
        "injections_done": clinic & on_time,
        "oral_due": oral_due,
        "oral_done": oral_due & Q(status=EventStatus.GIVEN),
    }


def adherence_by(events: QuerySet[ScheduledEvent], *, today: date, since: date | None = None,
                 key: str = "patient_id") -> dict[int, Adherence]:
    """Adherence per `key` (patient_id or enrollment_id) of the given events, up to `today`.

    `since` limits it to doses due on or after that date (e.g. the last 28 days).
    """
    events = events.filter(kind=EventKind.DOSE, due_date__lte=today)
    if since is not None:
        events = events.filter(due_date__gte=since)
    counts = {name: Count("id", filter=cond) for name, cond in _conditions(today).items()}
    rows = events.order_by().values(key).annotate(**counts)
    return {
        row[key]: Adherence(
            injections=Ratio(row["injections_done"], row["injections_due"]),
            oral=Ratio(row["oral_done"], row["oral_due"]),
        )
        for row in rows
    }
