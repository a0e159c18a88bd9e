"""The sweep: claim due rows atomically, send outside any transaction, record each outcome.

- Claiming is one short transaction: SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, a
  conditional UPDATE elsewhere. Two sweeps at once never claim the same row.
- A claim is a lease: a claimed row's `next_attempt_at` moves to the lease's end, so a row whose
  worker died (SIGKILL, power cut) is claimed again once the lease expires. Only rows in flight
  at that moment can be sent twice.
- Outcomes are written every OUTCOME_FLUSH_SIZE sends, each guarded by the claim token, so a
  worker whose lease was taken over cannot overwrite the new owner's outcome.
"""

import logging
import time
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from ops.metrics import timed_sender

from .batch import Batch, Verdict
from .channels import PermanentError, Sender, TransientError, sender_for
from .models import LIVE_STATUSES, Reminder, ReminderStatus
from .services import reminder_refused

logger = logging.getLogger(__name__)

#: Rows claimed in one round trip.
CLAIM_BATCH_SIZE = 500
#: Outcomes are written after this many messages: a killed worker re-sends at most this many.
OUTCOME_FLUSH_SIZE = 50
#: A sweep stops claiming after this long and leaves the rest to the next one (beat: every minute).
SWEEP_TIME_BUDGET = timedelta(seconds=50)
#: Transient failures are retried after RETRY_BASE * 2**(attempt - 1), at most RETRY_MAX apart ...
RETRY_BASE = timedelta(seconds=30)
RETRY_MAX = timedelta(minutes=30)
#: ... and given up (failed) after this many attempts.
MAX_ATTEMPTS = 6
#: After this many transient failures in a row on one channel the provider is taken to be down:
#: the batch's other rows on that channel are not tried now but retried with backoff.
CHANNEL_DOWN_AFTER = 5
#: A worker stops sending this long before its lease ends and gives the rest of its rows back,
#: so that no other sweep takes over a row it is still sending.
LEASE_MARGIN = timedelta(seconds=30)


def claim_lease() -> timedelta:
    """How long a claimed row is a worker's before another sweep may take it over."""
    return timedelta(seconds=settings.REMINDERS_CLAIM_LEASE_SECONDS)


def retry_delay(attempts: int) -> timedelta:
    return min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_MAX)


def claim_due(limit: int = CLAIM_BATCH_SIZE) -> tuple[uuid.UUID, list[int]]:
    """Claim up to `limit` due rows (pending and due, or claimed and past their lease)."""
    now = timezone.now()
    token = uuid.uuid4()
    claim = {"status": ReminderStatus.SENDING, "claim_token": token, "next_attempt_at": now + claim_lease(),
             "attempts": F("attempts") + 1, "updated_at": now}
    due = Reminder.objects.filter(status__in=LIVE_STATUSES, next_attempt_at__lte=now).order_by("next_attempt_at", "id")
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            ids = list(due.select_for_update(skip_locked=True).values_list("id", flat=True)[:limit])
            if ids:
                Reminder.objects.filter(pk__in=ids).update(**claim)
        return token, ids
    # Elsewhere (SQLite): a conditional UPDATE. A row claimed by another sweep in between has a
    # new next_attempt_at (its lease) and no longer matches; writers are serialised by the database.
    ids = list(due.values_list("id", flat=True)[:limit])
    if ids:
        Reminder.objects.filter(pk__in=ids, status__in=LIVE_STATUSES, next_attempt_at__lte=now).update(**claim)
        ids = list(Reminder.objects.filter(claim_token=token).order_by("id").values_list("id", flat=True))
    return token, ids


class Outcomes:
    """What happened to claimed rows, written in small batches, each guarded by the claim token."""

    def __init__(self, token: uuid.UUID):
        self.token = token
        self.sent: list[Reminder] = []
        self.finished: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.later: list[tuple[Reminder, datetime, str, str]] = []  # row, when, error, reason
        self.failed: list[tuple[Reminder, PermanentError, str]] = []
        self.released: list[int] = []
        self.counts: Counter = Counter()

    def __len__(self) -> int:
        return (len(self.sent) + sum(map(len, self.finished.values())) + len(self.later) + len(self.failed)
                + len(self.released))

    def record_released(self, row: Reminder) -> None:
        """Not tried before the lease ran out: back to the queue, due now, the claim not counted."""
        self.released.append(row.pk)

    def record_sent(self, row: Reminder, provider_ref: str, destination: str) -> None:
        row.provider_ref, row.sent_to, row.sent_at = provider_ref[:100], destination[:200], timezone.now()
        self.sent.append(row)

    def record_verdict(self, row: Reminder, verdict: Verdict) -> None:
        if verdict.retry_at is not None:
            self.later.append((row, verdict.retry_at, "", verdict.reason))
        else:
            self.finished[(verdict.status, verdict.reason)].append(row.pk)

    def record_transient(self, row: Reminder, error: str) -> None:
        if row.attempts >= MAX_ATTEMPTS:
            self.finished[(ReminderStatus.FAILED, f"gave up after {row.attempts} attempts: {error}"[:200])].append(row.pk)
        else:
            self.later.append((row, timezone.now() + retry_delay(row.attempts), error, "will try again"))

    def record_permanent(self, row: Reminder, error: PermanentError, destination: str) -> None:
        self.failed.append((row, error, destination))

    def flush(self) -> None:
        if not len(self):
            return
        mine = Reminder.objects.filter(claim_token=self.token, status=ReminderStatus.SENDING)
        now = timezone.now()
        done = {"claim_token": None, "next_attempt_at": None, "updated_at": now}
        with transaction.atomic():
            if self.sent:
                with_ref = [row for row in self.sent if row.provider_ref]
                if with_ref:
                    for row in with_ref:
                        row.status, row.claim_token, row.next_attempt_at = ReminderStatus.SENT, None, None
                        row.updated_at = now
                    mine.bulk_update(with_ref, ["status", "provider_ref", "sent_to", "sent_at", "claim_token",
                                                "next_attempt_at", "updated_at"])
                plain = [row.pk for row in self.sent if not row.provider_ref]
                if plain:
                    mine.filter(pk__in=plain).update(status=ReminderStatus.SENT, sent_at=self.sent[-1].sent_at, **done)
                self.counts[ReminderStatus.SENT] += len(self.sent)
            for (status, reason), ids in self.finished.items():
                mine.filter(pk__in=ids).update(status=status, status_reason=reason[:200], **done)
                self.counts[status] += len(ids)
            for row, when, error, reason in self.later:
                fields = {"send_at": when} if not error else {}
                mine.filter(pk=row.pk).update(status=ReminderStatus.PENDING, next_attempt_at=when, claim_token=None,
                                              last_error=error[:2000], status_reason=reason, updated_at=now, **fields)
                self.counts["retry" if error else "held"] += 1
            if self.released:
                mine.filter(pk__in=self.released).update(status=ReminderStatus.PENDING, next_attempt_at=now,
                                                         claim_token=None, attempts=F("attempts") - 1, updated_at=now)
                self.counts["released"] += len(self.released)
            for row, error, destination in self.failed:
                mine.filter(pk=row.pk).update(status=ReminderStatus.FAILED, status_reason=str(error)[:200],
                                              last_error=str(error)[:2000], **done)
                self.counts[ReminderStatus.FAILED] += 1
                reminder_refused(reminder=row, error=str(error), destination=destination,
                                 bad_contact=error.bad_contact, opted_out=error.opted_out)
        self.sent, self.later, self.failed, self.released = [], [], [], []
        self.finished = defaultdict(list)


def deliver(token: uuid.UUID, ids: list[int]) -> Counter:
    """Send the claimed rows (outside any transaction) and record what happened to each."""
    rows = list(
        Reminder.objects.filter(pk__in=ids, claim_token=token, status=ReminderStatus.SENDING)
        .select_related("clinic", "patient", "event", "recipient", "alert", "alert__patient")
        .order_by("channel", "send_at", "id")
    )
    if not rows:
        return Counter()
    lease_ends = min(row.next_attempt_at for row in rows)
    stop_at = lease_ends - min(LEASE_MARGIN, claim_lease() / 4)
    batch = Batch(rows)
    outcomes = Outcomes(token)
    senders: dict[str, Sender] = {}
    failures_in_a_row: Counter = Counter()
    down: dict[str, str] = {}
    try:
        for row in rows:
            now = timezone.now()
            if now >= stop_at:
                outcomes.record_released(row)
                continue
            try:
                verdict = batch.verdict(row, now)
                if verdict is not None:
                    outcomes.record_verdict(row, verdict)
                    continue
                if row.channel in down:
                    outcomes.record_transient(row, f"not tried, the {row.channel} provider is failing: {down[row.channel]}")
                    continue
                message = batch.message(row)
                if row.channel not in senders:
                    senders[row.channel] = timed_sender(sender_for(row.channel), row.channel)
                    senders[row.channel].open()
                outcomes.record_sent(row, senders[row.channel].send(message), message.to)
                failures_in_a_row[row.channel] = 0
            except TransientError as exc:
                outcomes.record_transient(row, str(exc))
                failures_in_a_row[row.channel] += 1
                if failures_in_a_row[row.channel] >= CHANNEL_DOWN_AFTER:
                    down[row.channel] = str(exc)[:200]
            except PermanentError as exc:
                outcomes.record_permanent(row, exc, batch.destination(row))
                batch.note_permanent_failure(row, exc)
            except Exception as exc:  # a bug must not stop the batch; the row is retried, then failed
                logger.exception("reminder %s could not be sent", row.pk)
                outcomes.record_transient(row, f"{type(exc).__name__}: {exc}")
            if len(outcomes) >= OUTCOME_FLUSH_SIZE:
                outcomes.flush()
    finally:
        for sender in senders.values():
            sender.close()
        outcomes.flush()
    return outcomes.counts


def send_due_reminders(*, batch_size: int = CLAIM_BATCH_SIZE, time_budget: timedelta = SWEEP_TIME_BUDGET,
                       on_backlog=None) -> Counter:
    """Claim and send due rows batch by batch until none is due or the time budget is spent.

    `on_backlog` is called once if the first claim comes back full (more is due than a batch).
    """
    started = time.monotonic()
    totals: Counter = Counter()
    while True:
        token, ids = claim_due(batch_size)
        if not ids:
            break
        if on_backlog is not None and not totals and len(ids) == batch_size:
            on_backlog()
        totals += deliver(token, ids)
        totals["claimed"] += len(ids)
        if len(ids) < batch_size or time.monotonic() - started > time_budget.total_seconds():
            break
    return totals
