"""Replace a clinic's API tokens (a leaked token, a departing integrator): old tokens stop working at once."""

import logging

from django.core.management.base import BaseCommand, CommandError

from clinics.models import Clinic
from clinics.tokens import clinic_tokens_rotate

logger = logging.getLogger("ops.commands")


class Command(BaseCommand):
    help = "Rotate the API tokens of a clinic's staff (all, or --user ...); prints 'username token' per line."

    def add_arguments(self, parser):
        parser.add_argument("--clinic", required=True, help="the clinic's slug")
        parser.add_argument("--user", action="append", dest="users", help="only this user (repeatable)")
        parser.add_argument("--dry-run", action="store_true", help="list whose tokens would change; change nothing")

    def handle(self, *args, **opts):
        clinic = Clinic.objects.filter(slug=opts["clinic"]).first()
        if clinic is None:
            raise CommandError(f"no clinic with slug {opts['clinic']!r}")
        users = opts["users"] or []
        unknown = sorted(set(users) - set(clinic.staff.filter(username__in=users).values_list("username", flat=True)))
        if unknown:
            raise CommandError(f"not staff of {clinic.slug}: {', '.join(unknown)}")
        if opts["dry_run"]:
            staff = clinic.staff.order_by("username")
            names = [u.username for u in (staff.filter(username__in=users) if users else staff)]
            self.stdout.write(f"Would rotate {len(names)} token(s) of {clinic.slug}: {', '.join(names)}")
            return
        rotated = clinic_tokens_rotate(clinic=clinic, usernames=users or None)
        for user, key in rotated:
            self.stdout.write(f"{user.username} {key}")
        self.stderr.write(f"Rotated {len(rotated)} token(s) of {clinic.slug}; the old ones no longer work.")
        logger.info("rotated %s API token(s) of clinic %s", len(rotated), clinic.pk)
