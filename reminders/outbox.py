"""The sweep: claim due rows atomically, send them concurrently outside any transaction, record
each outcome.

- Claiming is one short transaction: SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, a
  conditional UPDATE elsewhere. Two sweeps at once never claim the same row.
- A claim is a lease sized to the work claimed: a claimed row's `next_attempt_at` moves to the
  lease's end (margin + the time the claimed rows should take at the channel's observed latency,
  concurrency and rate limit), so a row whose worker died (SIGKILL, power cut) is claimed again
  once the lease expires. Only rows in flight at that moment can be sent twice.
- The sweep's thread does the database work: it claims a little ahead of the senders, decides
  and words each row (reminders/batch.py) and hands the messages to the sending loop
  (reminders/sending.py), where many are in flight at once. Outcomes come back and are written
  every OUTCOME_FLUSH_SIZE results or FLUSH_EVERY seconds, guarded by the claim token
  (reminders/outcomes.py).
- Two messages to the same number or address are never in flight at once: what the provider
  answers about the first (unsubscribed, unknown number) decides the second.
"""

import logging
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from .batch import Batch, load_claimed
from .channels import PermanentError, TransientError
from .models import LIVE_STATUSES, Channel, Reminder, ReminderStatus
from .outcomes import MAX_ATTEMPTS, RETRY_MAX, Outcomes, retry_delay, utc
from .sending import CHANNEL_DOWN_AFTER, Job, Result, SendingLoop, channel_concurrency, channel_rate

logger = logging.getLogger(__name__)

__all__ = ["CHANNEL_DOWN_AFTER", "MAX_ATTEMPTS", "RETRY_MAX", "Outcomes", "claim_due", "due_backlog",
           "retry_delay", "send_due_reminders"]

#: Most rows claimed in one round trip ...
CLAIM_BATCH_SIZE = 1000
#: ... and fewest (a slow, rate-limited channel still gets a few rows at a time).
CLAIM_MIN_SIZE = 10
#: The sweep claims about this many seconds of sending work ahead of the senders ...
CLAIM_AHEAD_SECONDS = 10.0
#: ... expecting each send to take this long until it has seen real ones.
FIRST_LATENCY_GUESS = 0.5
#: Prepared messages are handed to the senders this many at a time.
SUBMIT_CHUNK = 100
#: Outcomes are written after this many results or this many seconds, whichever comes first:
#: a killed worker re-sends at most the rows in flight plus these.
OUTCOME_FLUSH_SIZE = 50
FLUSH_EVERY = 0.5
#: A sweep stops claiming after this long (its task then hands over to a fresh one).
SWEEP_TIME_BUDGET = timedelta(seconds=50)


def lease_margin() -> float:
    return float(settings.REMINDERS_LEASE_MARGIN_SECONDS)


def claim_due(limit: int = CLAIM_BATCH_SIZE, *, token: uuid.UUID | None = None,
              lease: timedelta | Callable[[list[str]], timedelta] | None = None) -> tuple[uuid.UUID, list[int]]:
    """Claim up to `limit` due rows (pending and due, or claimed and past their lease).

    `lease`: how long the rows are this sweep's, or a function of the claimed rows' channels
    that says so (default: the lease margin).
    """
    now = timezone.now()
    token = token or uuid.uuid4()

    def claim(rows: list[tuple[int, str]]) -> dict:
        length = lease([channel for _, channel in rows]) if callable(lease) else lease
        length = length if length is not None else timedelta(seconds=lease_margin())
        return {"status": ReminderStatus.SENDING, "claim_token": token, "next_attempt_at": now + length,
                "attempts": F("attempts") + 1, "updated_at": now}

    due = Reminder.objects.filter(status__in=LIVE_STATUSES, next_attempt_at__lte=now).order_by("next_attempt_at", "id")
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            rows = list(due.select_for_update(skip_locked=True).values_list("id", "channel")[:limit])
            if rows:
                Reminder.objects.filter(pk__in=[pk for pk, _ in rows]).update(**claim(rows))
        return token, [pk for pk, _ in rows]
    # Elsewhere (SQLite): a conditional UPDATE. A row claimed by another sweep in between has a
    # new next_attempt_at (its lease) and no longer matches; writers are serialised by the database.
    rows = list(due.values_list("id", "channel")[:limit])
    if not rows:
        return token, []
    ids = [pk for pk, _ in rows]
    Reminder.objects.filter(pk__in=ids, status__in=LIVE_STATUSES, next_attempt_at__lte=now).update(**claim(rows))
    return token, list(Reminder.objects.filter(pk__in=ids, claim_token=token).order_by("id").values_list("id", flat=True))


def due_backlog(limit: int = 100_000) -> int:
    """How many rows are due now (counted up to `limit`; an index-only look)."""
    due = Reminder.objects.filter(status__in=LIVE_STATUSES, next_attempt_at__lte=timezone.now())
    return due.order_by().values("id")[:limit].count()


def sweeps_at_work() -> int:
    """How many sweeps hold rows right now (distinct claims whose lease has not run out)."""
    return (Reminder.objects.filter(status=ReminderStatus.SENDING, next_attempt_at__gt=timezone.now())
            .values("claim_token").distinct().count())


class Pace:
    """How fast each channel sends, as observed: seconds of sending time one row costs."""

    def __init__(self):
        self.latency = {channel: FIRST_LATENCY_GUESS for channel in Channel.values}
        self.concurrency = {channel: channel_concurrency(channel) for channel in Channel.values}
        self.rate = {channel: channel_rate(channel)[0] for channel in Channel.values}

    def observe(self, channel: str, seconds: float) -> None:
        self.latency[channel] = 0.9 * self.latency[channel] + 0.1 * seconds

    def seconds_per_row(self, channel: str) -> float:
        spacing = 1.0 / self.rate[channel] if self.rate[channel] else 0.0
        return max(self.latency[channel] / self.concurrency[channel], spacing)

    def seconds_for(self, channels: list[str]) -> float:
        """Sending time of rows on these channels."""
        return sum(self.seconds_per_row(channel) for channel in channels)


class Sweep:
    def __init__(self, *, batch_size: int | None = None):
        self.token = uuid.uuid4()
        self.outcomes = Outcomes(self.token)
        self.max_claim = batch_size or CLAIM_BATCH_SIZE
        self.pace = Pace()
        self.loop: SendingLoop | None = None
        self.pending: dict[int, tuple[Reminder, Batch]] = {}
        self.queued: Counter = Counter()
        self.busy: set[tuple[str, str]] = set()
        self.waiting: dict[tuple[str, str], deque] = {}
        self.claimed = 0
        self.mix: list[str] = list(Channel.values)  # the channels of the last claim's rows
        self.peak_in_flight = 0
        self.first_result_at: float | None = None

    # -- the loop -----------------------------------------------------------------------------

    def run(self, time_budget: timedelta) -> Counter:
        started = time.monotonic()
        more_due = True
        last_flush = time.monotonic()
        abandon = True
        try:
            while True:
                self.collect(block=False)
                if len(self.outcomes) >= OUTCOME_FLUSH_SIZE or (
                        len(self.outcomes) and time.monotonic() - last_flush >= FLUSH_EVERY):
                    self.outcomes.flush()
                    last_flush = time.monotonic()
                within_budget = not self.claimed or time.monotonic() - started < time_budget.total_seconds()
                paused = self.loop is not None and self.loop.paused()  # claim nothing while a provider asks to wait
                if more_due and within_budget and not paused and self.queued_seconds() < CLAIM_AHEAD_SECONDS / 2:
                    more_due = self.claim_and_submit()
                    continue
                if not self.pending and not self.waiting and not (paused and more_due and within_budget):
                    break
                self.collect(block=True, timeout=min(FLUSH_EVERY, 0.2))
            abandon = False
        finally:
            if self.loop is not None:
                self.loop.close(abandon=abandon)
                self.collect(block=False)
                self.peak_in_flight = self.loop.peak_in_flight()
            self.outcomes.flush()
        counts = Counter(self.outcomes.counts)
        if self.claimed:
            counts["claimed"] = self.claimed
            counts["peak_in_flight"] = self.peak_in_flight
        return counts

    def queued_seconds(self) -> float:
        return sum(count * self.pace.seconds_per_row(channel) for channel, count in self.queued.items())

    def claim_and_submit(self) -> bool:
        """Claim the next rows and hand them to the senders. False when no more are due."""
        per_row = self.pace.seconds_for(self.mix) / len(self.mix)
        size = int(min(self.max_claim, max(CLAIM_MIN_SIZE, CLAIM_AHEAD_SECONDS / max(per_row, 1e-6))))
        queued = self.queued_seconds()

        def lease(channels: list[str]) -> timedelta:
            return timedelta(seconds=lease_margin() + 2 * (queued + self.pace.seconds_for(channels)))

        _, ids = claim_due(size, token=self.token, lease=lease)
        if not ids:
            return False
        self.claimed += len(ids)
        rows = load_claimed(ids, self.token)
        if rows:
            self.mix = [row.channel for row in rows]
            batch = Batch(rows)
            deadline = min(row.next_attempt_at for row in rows).timestamp() - min(10.0, lease_margin() / 2)
            for start in range(0, len(rows), SUBMIT_CHUNK):  # the first sends need not wait for the whole claim
                self.submit([self.prepare(row, batch, deadline) for row in rows[start:start + SUBMIT_CHUNK]])
        return len(ids) == size

    def prepare(self, row: Reminder, batch: Batch, deadline: float) -> Job | None:
        """Decide about a row; its message to send, or None when it was settled here."""
        try:
            verdict = batch.verdict(row, timezone.now())
            if verdict is not None:
                self.outcomes.record_verdict(row, verdict)
                return None
            lanes = self.loop.channels.get(row.channel) if self.loop is not None else None
            if lanes is not None and lanes.down:
                self.outcomes.record_transient(row, f"not tried, the {row.channel} provider is failing: {lanes.down}")
                return None
            job = Job(row.pk, batch.message(row), deadline)
        except Exception as exc:  # a bug must not stop the batch; the row is retried, then failed
            logger.exception("reminder %s could not be prepared", row.pk)
            self.outcomes.record_transient(row, f"{type(exc).__name__}: {exc}")
            return None
        self.pending[row.pk] = (row, batch)
        key = (row.channel, job.message.to)
        if key in self.busy:  # one message at a time to the same contact
            self.waiting.setdefault(key, deque()).append(job)
            return None
        self.busy.add(key)
        self.queued[row.channel] += 1
        return job

    def submit(self, jobs: list[Job | None]) -> None:
        jobs = [job for job in jobs if job is not None]
        if not jobs:
            return
        if self.loop is None:
            self.loop = SendingLoop()
        self.loop.submit(jobs)

    # -- results --------------------------------------------------------------------------------

    def collect(self, *, block: bool, timeout: float = 0.0) -> None:
        if self.loop is None:
            return
        results = self.loop.results
        try:
            result = results.get(timeout=timeout) if block else results.get_nowait()
        except Exception:  # queue.Empty
            return
        while True:
            self.record(result)
            try:
                result = results.get_nowait()
            except Exception:
                return

    def record(self, result: Result) -> None:
        job = result.job
        row, batch = self.pending.pop(job.row_id)
        channel = job.message.channel
        self.queued[channel] -= 1
        outcome = result.outcome
        if outcome == "sent":
            self.outcomes.record_sent(row, result.provider_ref, job.message.to, utc(result.at))
            self.pace.observe(channel, result.seconds)
        elif outcome == "permanent":
            error: PermanentError = result.error
            self.outcomes.record_permanent(row, error, batch.destination(row))
            batch.note_permanent_failure(row, error)
        elif outcome == "throttled":
            self.outcomes.record_released(row, utc(result.at + result.retry_after))
        elif outcome == "released":
            self.outcomes.record_released(row)
        else:
            self.outcomes.record_transient(row, str(result.error or TransientError("failed")))
            if result.seconds:
                self.pace.observe(channel, result.seconds)
        self.next_for(channel, job.message.to)

    def next_for(self, channel: str, to: str) -> None:
        """The contact is free again: send its next message, if the first's outcome allows."""
        key = (channel, to)
        self.busy.discard(key)
        waiting = self.waiting.get(key)
        while waiting:
            job = waiting.popleft()
            row, batch = self.pending[job.row_id]
            verdict = batch.verdict(row, timezone.now())
            if verdict is not None:
                self.pending.pop(job.row_id)
                self.outcomes.record_verdict(row, verdict)
                continue
            self.busy.add(key)
            self.queued[channel] += 1
            self.loop.submit([job])
            break
        if not waiting:
            self.waiting.pop(key, None)


def send_due_reminders(*, batch_size: int | None = None, time_budget: timedelta = SWEEP_TIME_BUDGET) -> Counter:
    """Claim and send due rows until none is due or the time budget is spent; what became of them."""
    return Sweep(batch_size=batch_size).run(time_budget)
