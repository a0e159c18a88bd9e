"""Re-send or cancel a batch of failed reminders after a provider outage (see reminders/services/operator.py)."""

import logging
from datetime import datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from clinics.models import Clinic
from ops import logcontext
from reminders.models import Channel, ReminderKind
from reminders.services.operator import (
    BatchFilter,
    failed_batch,
    reminders_cancel,
    reminders_resend,
    reminders_resend_plan,
    retrying_batch,
)

logger = logging.getLogger("ops.commands")


def parse_when(value: str, zone) -> datetime:
    parsed = parse_datetime(value) if value else None
    if parsed is None:
        raise CommandError(f"not a date and time: {value!r} (e.g. 2026-03-02T14:00, in the clinic's time zone)")
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=zone)


class Command(BaseCommand):
    help = ("Re-send (resend) or cancel (cancel) a clinic's failed reminders that were due in a time range; "
            "--dry-run shows what would change.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["resend", "cancel"])
        parser.add_argument("--clinic", required=True, help="the clinic's slug")
        parser.add_argument("--from", dest="due_from", help="due at or after (clinic time; default 24 hours ago)")
        parser.add_argument("--to", dest="due_to", help="due before (clinic time; default now)")
        parser.add_argument("--channel", choices=Channel.values)
        parser.add_argument("--kind", choices=ReminderKind.values)
        parser.add_argument("--reason", help="only those whose failure reason contains this (e.g. 'gave up')")
        parser.add_argument("--note", default="", help="why (kept on each reminder)")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **opts):
        clinic = Clinic.objects.filter(slug=opts["clinic"]).first()
        if clinic is None:
            raise CommandError(f"no clinic with slug {opts['clinic']!r}")
        logcontext.bind_clinic(clinic.pk)
        now = timezone.now()
        due_to = parse_when(opts["due_to"], clinic.zone) if opts["due_to"] else now
        due_from = parse_when(opts["due_from"], clinic.zone) if opts["due_from"] else due_to - timedelta(hours=24)
        if due_from >= due_to:
            raise CommandError("--from must be before --to")
        if not opts["dry_run"] and not opts["note"].strip():
            raise CommandError("say why with --note (it is kept on each reminder)")
        batch = BatchFilter(clinic_id=clinic.pk, due_from=due_from, due_to=due_to, channel=opts["channel"],
                            kind=opts["kind"], reason=opts["reason"])
        span = f"due {due_from.astimezone(clinic.zone):%Y-%m-%d %H:%M} to {due_to.astimezone(clinic.zone):%Y-%m-%d %H:%M}"
        failed = failed_batch(batch)
        self.stdout.write(f"{clinic.slug}, {span}: {failed.count()} failed")
        for row in failed.order_by().values("channel", "kind", "status_reason").annotate(n=Count("id")).order_by("-n")[:10]:
            self.stdout.write(f"  {row['n']:>5}  {row['channel']:<5} {row['kind']:<11} {row['status_reason'][:80]}")
        if opts["action"] == "resend":
            plan = reminders_resend_plan(batch) if opts["dry_run"] else reminders_resend(batch, note=opts["note"])
            verb = "Would re-send" if opts["dry_run"] else "Re-sent"
            self.stdout.write(f"{verb} {len(plan.ids)}; of those {plan.too_late} are patients' reminders whose moment "
                              f"has passed: the sweep will mark them expired, not send them late")
            if plan.blocked:
                self.stdout.write(f"Left alone: {plan.blocked} (a newer reminder for the same event is waiting)")
            done = len(plan.ids)
        else:
            retrying = retrying_batch(batch).count()
            if opts["dry_run"]:
                self.stdout.write(f"Would cancel {failed.count()} failed and {retrying} waiting for a retry")
                return
            done = reminders_cancel(batch, note=opts["note"])
            self.stdout.write(f"Cancelled {done}")
        if not opts["dry_run"]:
            logger.info("reminders %s by an operator: %s rows of clinic %s, %s", opts["action"], done, clinic.pk, span)
