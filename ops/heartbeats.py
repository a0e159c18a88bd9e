"""Heartbeats of the periodic sweeps, written when a sweep task succeeds and judged by /health/.

- `reminders-sweep`: `reminders.tasks.reminders_send_due` succeeded (every minute).
- `alerts-sweep`: `alerts.sweep` succeeded (every hour).
- `beat-started`: a Celery beat process started. A sweep is judged from its last success or from
  the beat's start, whichever is later: a new deployment is not failing just because the hourly
  alert sweep has not had its first turn yet.
- `beat-queued-reminders-sweep`: beat last put the reminder sweep on the broker. It tells "beat is
  down" from "no worker is taking the sweep" in the health check's message.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from .models import Heartbeat

logger = logging.getLogger(__name__)

REMINDERS_SWEEP = "reminders-sweep"
ALERTS_SWEEP = "alerts-sweep"
BEAT_STARTED = "beat-started"
BEAT_QUEUED_REMINDERS_SWEEP = "beat-queued-reminders-sweep"

#: Task name -> the heartbeat its success writes.
TASK_HEARTBEATS = {
    "reminders.tasks.reminders_send_due": REMINDERS_SWEEP,
    "alerts.sweep": ALERTS_SWEEP,
}


@dataclass(frozen=True)
class Sweep:
    heartbeat: str
    label: str
    #: Older than this (from the last success, or the beat's start if later) is failing.
    max_age: timedelta


def sweeps() -> list[Sweep]:
    return [
        Sweep(REMINDERS_SWEEP, "the reminder sweep", timedelta(seconds=settings.HEALTH_REMINDERS_SWEEP_MAX_AGE_SECONDS)),
        Sweep(ALERTS_SWEEP, "the alert sweep", timedelta(seconds=settings.HEALTH_ALERTS_SWEEP_MAX_AGE_SECONDS)),
    ]


def heartbeat_record(name: str, at: datetime | None = None) -> None:
    """Write a heartbeat; never raises (a sweep must not fail because its heartbeat could not be written)."""
    at = at or timezone.now()
    try:
        if not Heartbeat.objects.filter(name=name).update(at=at):
            try:
                with transaction.atomic():
                    Heartbeat.objects.create(name=name, at=at)
            except IntegrityError:  # another process created it in between
                Heartbeat.objects.filter(name=name).update(at=at)
    except DatabaseError:
        logger.warning("could not record the %s heartbeat", name, exc_info=True)


def heartbeats() -> dict[str, datetime]:
    return dict(Heartbeat.objects.values_list("name", "at"))


def touch_beat_file() -> None:
    """The beat container's own liveness: a file touched each time beat queues the reminder sweep."""
    path = Path(settings.BEAT_HEARTBEAT_FILE)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    except OSError:
        logger.warning("could not touch the beat heartbeat file %s", path, exc_info=True)


def describe_age(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 600:
        return f"{seconds // 60} min" + (f" {seconds % 60} s" if seconds % 60 else "")
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    return f"{seconds / 3600:.1f} h"


def sweep_problem(sweep: Sweep, beats: dict[str, datetime], now: datetime) -> str | None:
    """None if the sweep is on time; else what is wrong, in words an operator can act on."""
    last = beats.get(sweep.heartbeat)
    started = beats.get(BEAT_STARTED)
    reference = max((t for t in (last, started) if t is not None), default=None)
    if reference is None:
        return f"{sweep.label} has never run and no Celery beat has started"
    if now - reference <= sweep.max_age:
        return None
    allowed = describe_age(sweep.max_age)
    said = (f"{sweep.label} last succeeded {describe_age(now - last)} ago" if last
            else f"{sweep.label} has not run since beat started {describe_age(now - started)} ago")
    said += f" (allowed: {allowed})"
    if sweep.heartbeat == REMINDERS_SWEEP:
        queued = beats.get(BEAT_QUEUED_REMINDERS_SWEEP)
        if queued and now - queued <= sweep.max_age:
            said += f"; beat queued it {describe_age(now - queued)} ago, so no worker is running it"
        else:
            said += "; beat has not queued it lately either: is Celery beat running?"
    return said
