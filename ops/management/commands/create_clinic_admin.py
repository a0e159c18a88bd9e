"""The first administrator of a clinic on a new installation (creating the clinic if needed)."""

import getpass
import os
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clinics.models import Clinic
from clinics.services import clinic_admin_create, clinic_create


class Command(BaseCommand):
    help = ("Create a clinic's administrator (and the clinic, given --name and --timezone). The password comes "
            "from ADMIN_PASSWORD, a prompt, or is generated and printed once. Prints the API token last.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--clinic", required=True, help="the clinic's slug")
        parser.add_argument("--name", help="the clinic's name (creates the clinic if it does not exist)")
        parser.add_argument("--timezone", help="the clinic's IANA time zone (with --name)")
        parser.add_argument("--email", default="", help="the administrator's email address")
        parser.add_argument("--generate-password", action="store_true",
                            help="generate a password and print it once (no prompt)")

    def handle(self, *args, **opts):
        clinic = Clinic.objects.filter(slug=opts["clinic"]).first()
        if clinic is None:
            if not (opts["name"] and opts["timezone"]):
                raise CommandError(f"no clinic {opts['clinic']!r}: give --name and --timezone to create it")
            try:
                clinic, _ = clinic_create(slug=opts["clinic"], name=opts["name"], timezone=opts["timezone"])
            except (ValidationError, ValueError) as exc:
                raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from None
            self.stdout.write(f"Created clinic {clinic.slug} ({clinic.name}, {clinic.timezone})")
        existing = clinic.staff.filter(username=opts["username"]).first()
        if existing is not None:
            self.stdout.write(f"Already exists: {existing.role} {existing.username} of {clinic.slug}")
            # Only a hash of a key is kept: a lost one is replaced (rotate_api_tokens), never shown again.
            self.stdout.write("API key not shown again (only its hash is kept); "
                              f"rotate_api_tokens --clinic {clinic.slug} --user {existing.username} issues a new one")
            return
        generated = None
        password = os.environ.get("ADMIN_PASSWORD")
        if not password and opts["generate_password"]:
            password = generated = secrets.token_urlsafe(18)
        if not password:
            password = self.ask_password()
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError("password refused: " + " ".join(exc.messages)) from None
        user, key, created = clinic_admin_create(clinic=clinic, username=opts["username"], email=opts["email"],
                                                   password=password)
        if not created:
            raise CommandError(f"user {user.username!r} belongs to another clinic")
        self.stdout.write(f"Created admin {user.username} of {clinic.slug}")
        if generated:
            self.stdout.write(f"Password (shown once): {generated}")
        self.stdout.write(key)

    def ask_password(self) -> str:
        if not os.isatty(0):
            raise CommandError("no password: set ADMIN_PASSWORD, run in a terminal, or use --generate-password")
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("the passwords did not match")
        return first
