"""What happened to claimed rows, written in small batches, each guarded by the claim token.

A write changes only rows still claimed by this sweep (`claim_token`, status `sending`), so a
sweep whose lease was taken over cannot overwrite the new owner's outcome. Sent rows, by far
the most, are written by one statement per flush (`UPDATE ... FROM (VALUES ...)` on PostgreSQL).
"""

import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from .batch import Verdict
from .channels import PermanentError
from .models import Reminder, ReminderStatus
from .services import reminder_refused

#: Transient failures are retried after REMINDERS_RETRY_BASE_SECONDS (30) * 2**(attempt - 1), at most
#: RETRY_MAX apart ...
RETRY_MAX = timedelta(minutes=30)
#: ... and given up (failed) after this many attempts.
MAX_ATTEMPTS = 6


def retry_delay(attempts: int) -> timedelta:
    base = timedelta(seconds=settings.REMINDERS_RETRY_BASE_SECONDS)
    return min(base * 2 ** max(attempts - 1, 0), RETRY_MAX)


class Outcomes:
    def __init__(self, token: uuid.UUID):
        self.token = token
        self.sent: list[tuple[int, str, str, datetime]] = []  # id, provider ref, destination, when
        self.finished: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.later: list[tuple[int, datetime, str, str]] = []  # id, when, error, reason
        self.failed: list[tuple[Reminder, PermanentError, str]] = []
        self.released: dict[datetime, list[int]] = defaultdict(list)
        self.counts: Counter = Counter()
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def record_sent(self, row: Reminder, provider_ref: str, destination: str, at: datetime | None = None) -> None:
        self.sent.append((row.pk, provider_ref[:100], destination[:200], at or timezone.now()))
        self.size += 1

    def record_verdict(self, row: Reminder, verdict: Verdict) -> None:
        if verdict.retry_at is not None:
            self.later.append((row.pk, verdict.retry_at, "", verdict.reason))
        else:
            self.finished[(verdict.status, verdict.reason)].append(row.pk)
        self.size += 1

    def record_transient(self, row: Reminder, error: str) -> None:
        if row.attempts >= MAX_ATTEMPTS:
            self.finished[(ReminderStatus.FAILED, f"gave up after {row.attempts} attempts: {error}"[:200])].append(
                row.pk)
        else:
            self.later.append((row.pk, timezone.now() + retry_delay(row.attempts), error, "will try again"))
        self.size += 1

    def record_permanent(self, row: Reminder, error: PermanentError, destination: str) -> None:
        self.failed.append((row, error, destination))
        self.size += 1

    def record_released(self, row: Reminder, due_at: datetime | None = None) -> None:
        """Not tried (the lease ran out, or the provider asked to slow down): back to the queue,
        due at `due_at` (now by default), the claim not counted as an attempt."""
        self.released[due_at or timezone.now()].append(row.pk)
        self.size += 1

    def flush(self) -> None:
        if not self.size:
            return
        mine = Reminder.objects.filter(claim_token=self.token, status=ReminderStatus.SENDING)
        now = timezone.now()
        done = {"claim_token": None, "next_attempt_at": None, "updated_at": now}
        with transaction.atomic():
            if self.sent:
                self._write_sent(now)
                self.counts[ReminderStatus.SENT] += len(self.sent)
            for (status, reason), ids in self.finished.items():
                mine.filter(pk__in=ids).update(status=status, status_reason=reason[:200], **done)
                self.counts[status] += len(ids)
            for pk, when, error, reason in self.later:
                fields = {"send_at": when} if not error else {}
                mine.filter(pk=pk).update(status=ReminderStatus.PENDING, next_attempt_at=when, claim_token=None,
                                          last_error=error[:2000], status_reason=reason, updated_at=now, **fields)
                self.counts["retry" if error else "held"] += 1
            for due_at, ids in self.released.items():
                mine.filter(pk__in=ids).update(status=ReminderStatus.PENDING, next_attempt_at=due_at,
                                               claim_token=None, attempts=F("attempts") - 1, updated_at=now)
                self.counts["released"] += len(ids)
            for row, error, destination in self.failed:
                mine.filter(pk=row.pk).update(status=ReminderStatus.FAILED, status_reason=str(error)[:200],
                                              last_error=str(error)[:2000], **done)
                self.counts[ReminderStatus.FAILED] += 1
                reminder_refused(reminder=row, error=str(error), destination=destination,
                                 bad_contact=error.bad_contact, opted_out=error.opted_out)
        self.sent, self.later, self.failed = [], [], []
        self.finished, self.released = defaultdict(list), defaultdict(list)
        self.size = 0

    def _write_sent(self, now: datetime) -> None:
        table = Reminder._meta.db_table
        token = Reminder._meta.get_field("claim_token").get_db_prep_value(self.token, connection)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                values = ", ".join(["(%s::bigint, %s, %s, %s::timestamptz)"] * len(self.sent))
                params = [value for row in self.sent for value in row]
                cursor.execute(
                    f"UPDATE {table} AS r SET status = %s, provider_ref = v.ref, sent_to = v.dest, sent_at = v.at, "
                    f"claim_token = NULL, next_attempt_at = NULL, updated_at = %s "
                    f"FROM (VALUES {values}) AS v(id, ref, dest, at) "
                    f"WHERE r.id = v.id AND r.claim_token = %s AND r.status = %s",
                    [ReminderStatus.SENT, now, *params, token, ReminderStatus.SENDING])
            else:
                at = connection.ops.adapt_datetimefield_value
                cursor.executemany(
                    f"UPDATE {table} SET status = %s, provider_ref = %s, sent_to = %s, sent_at = %s, "
                    f"claim_token = NULL, next_attempt_at = NULL, updated_at = %s "
                    f"WHERE id = %s AND claim_token = %s AND status = %s",
                    [(ReminderStatus.SENT, ref, dest, at(when), at(now), pk, token, ReminderStatus.SENDING)
                     for pk, ref, dest, when in self.sent])


def utc(epoch_seconds: float) -> datetime:
    return datetime.fromtimestamp(epoch_seconds, UTC)
