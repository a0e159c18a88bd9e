"""An operator's repairs after a provider outage: re-send, or cancel, a batch of failed reminders.

A batch is chosen by clinic, the time the reminders were due (`send_at`), optionally channel, kind
and a piece of their failure reason. Re-sending puts failed rows back in the queue as new (due now,
attempts reset); the sweep then decides as always, so a patient's reminder whose moment has passed
(more than LATE_GRACE ago) is expired, not sent late. Cancelling closes failed rows, and pending
rows still being retried after a failure, as cancelled with the operator's note.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ..batch import LATE_GRACE
from ..models import PATIENT_KINDS, Reminder, ReminderStatus


@dataclass(frozen=True)
class BatchFilter:
    clinic_id: int
    due_from: datetime
    due_to: datetime
    channel: str | None = None
    kind: str | None = None
    reason: str | None = None  # a piece of status_reason or last_error

    def rows(self) -> QuerySet:
        rows = Reminder.objects.filter(clinic_id=self.clinic_id, send_at__gte=self.due_from, send_at__lt=self.due_to)
        if self.channel:
            rows = rows.filter(channel=self.channel)
        if self.kind:
            rows = rows.filter(kind=self.kind)
        if self.reason:
            rows = rows.filter(Q(status_reason__icontains=self.reason) | Q(last_error__icontains=self.reason))
        return rows


def failed_batch(batch: BatchFilter) -> QuerySet:
    return batch.rows().filter(status=ReminderStatus.FAILED)


def retrying_batch(batch: BatchFilter) -> QuerySet:
    """Pending rows waiting for another try after a failure (not rows that never failed)."""
    return batch.rows().filter(status=ReminderStatus.PENDING, attempts__gt=0).exclude(last_error="")


@dataclass(frozen=True)
class ResendPlan:
    ids: list[int]
    too_late: int  # patients' reminders the sweep will expire rather than send (their moment passed)
    blocked: int  # another reminder for the same event, kind and channel is already waiting


def reminders_resend_plan(batch: BatchFilter) -> ResendPlan:
    now = timezone.now()
    rows = list(failed_batch(batch).order_by("pk").values("pk", "event_id", "kind", "channel", "send_at"))
    live = set(Reminder.objects.live().filter(event_id__in={r["event_id"] for r in rows if r["event_id"]})
               .values_list("event_id", "kind", "channel"))
    ids, too_late, blocked, taken = [], 0, 0, set()
    for row in rows:
        key = (row["event_id"], row["kind"], row["channel"])
        if row["event_id"] and (key in live or key in taken):
            blocked += 1
            continue
        taken.add(key)
        ids.append(row["pk"])
        if row["kind"] in PATIENT_KINDS and now > row["send_at"] + LATE_GRACE:
            too_late += 1
    return ResendPlan(ids=ids, too_late=too_late, blocked=blocked)


@transaction.atomic
def reminders_resend(batch: BatchFilter, *, note: str) -> ResendPlan:
    """Put the batch's failed rows back in the queue, due now (attempts reset)."""
    plan = reminders_resend_plan(batch)
    now = timezone.now()
    Reminder.objects.filter(pk__in=plan.ids, status=ReminderStatus.FAILED).update(
        status=ReminderStatus.PENDING, next_attempt_at=now, attempts=0, claim_token=None,
        status_reason=f"re-sent by an operator: {note}"[:200], updated_at=now)
    return plan


@transaction.atomic
def reminders_cancel(batch: BatchFilter, *, note: str) -> int:
    """Close the batch's failed rows and its rows waiting for a retry as cancelled, with the note."""
    now = timezone.now()
    reason = f"cancelled by an operator: {note}"[:200]
    done = {"status": ReminderStatus.CANCELLED, "status_reason": reason, "next_attempt_at": None, "claim_token": None,
            "updated_at": now}
    return failed_batch(batch).update(**done) + retrying_batch(batch).update(**done)
