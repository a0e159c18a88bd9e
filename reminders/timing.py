"""When a reminder is sent: local times, quiet hours, catching up. Pure Python, no Django.

All instants are aware UTC datetimes; local wall times are turned into instants in the
patient's zone with `local_instant`, so "18:00 the day before" is 18:00 on both sides of a DST
change (a time in a spring-forward gap moves forward by the gap; an ambiguous one is the first).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from protocols.engine import local_instant

QUIET_HOURS_SKIP_REASON = "quiet hours: no time left before the event"


@dataclass(frozen=True)
class QuietHours:
    """A nightly period with no system-timed messages, e.g. 21:00-08:00 (may cross midnight)."""

    start: time
    end: time

    def contains(self, at: datetime, zone: ZoneInfo) -> bool:
        if self.start == self.end:
            return False
        wall = at.astimezone(zone).time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= wall < self.end
        return wall >= self.start or wall < self.end

    def end_of_period(self, at: datetime, zone: ZoneInfo) -> datetime:
        """The instant the quiet period that contains `at` ends."""
        local = at.astimezone(zone)
        day = local.date()
        if self.start > self.end and local.time().replace(tzinfo=None) >= self.start:
            day += timedelta(days=1)
        return local_instant(day, self.end, zone)


@dataclass(frozen=True)
class Rules:
    """One patient's reminder times: the clinic's defaults, the patient's own choice, their zone."""

    zone: ZoneInfo
    quiet: QuietHours
    appointment_time: time = time(18, 0)
    appointment_days_before: int = 1
    appointments_start_at: time = time(9, 0)
    lab_time: time = time(9, 0)
    #: The patient's own time for appointment and blood-test reminders; honoured as chosen.
    patient_time: time | None = None


@dataclass(frozen=True)
class Slot:
    """When to send. `late`: its natural moment had passed when it was planned."""

    send_at: datetime
    late: bool = False
    skipped_reason: str = ""


def dose_slot(due_at: datetime | None, now: datetime) -> Slot | None:
    """An oral dose: at the time the patient chose (the event's due_at), quiet hours or not."""
    if due_at is None:
        return None
    return Slot(due_at, late=due_at < now)


def appointment_slot(due_date: date, rules: Rules, now: datetime) -> Slot | None:
    """The day before an injection appointment (default 18:00 local)."""
    day = due_date - timedelta(days=rules.appointment_days_before)
    deadline = local_instant(due_date, rules.appointments_start_at, rules.zone)
    return _system_slot(day, rules.appointment_time, deadline, rules, now)


def lab_slot(window_start: date, window_end: date, rules: Rules, now: datetime) -> Slot | None:
    """A blood test, when its window opens (default 09:00 local); useful until the window closes."""
    deadline = local_instant(window_end + timedelta(days=1), time(0, 0), rules.zone)
    return _system_slot(window_start, rules.lab_time, deadline, rules, now)


def _system_slot(day: date, default_time: time, deadline: datetime, rules: Rules, now: datetime) -> Slot | None:
    chosen = rules.patient_time is not None
    natural = local_instant(day, rules.patient_time or default_time, rules.zone)
    late = natural < now
    at = now if late else natural
    if late:
        chosen = False  # catching up now is the system's choice, so quiet hours apply
    if at >= deadline:
        return None
    if not chosen and rules.quiet.contains(at, rules.zone):
        moved = rules.quiet.end_of_period(at, rules.zone)
        if moved >= deadline:  # recorded at its natural time, so that re-planning changes nothing
            return Slot(natural, late=late, skipped_reason=QUIET_HOURS_SKIP_REASON)
        at = moved
    return Slot(at, late=late)


def worklist_send_at(day: date, at: time, clinic_zone: ZoneInfo) -> datetime:
    return local_instant(day, at, clinic_zone)


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)
