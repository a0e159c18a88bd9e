import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clinics.models import Clinic, Role, User
from clinics.services import staff_create
from clinics.tokens import api_token_issue, api_tokens_revoke

#: The last line when the account exists already: its key cannot be shown again (only a hash is stored).
NOT_SHOWN = "API token not shown: it was printed when the account was created. Use --new-token to replace it."


class Command(BaseCommand):
    help = ("Create a staff member of a clinic; prints the API token as the last line. Run again for an existing "
            "username, it changes nothing and says the token is not shown; --new-token replaces the token.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--clinic", required=True, help="the clinic's slug")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--password", help="default: the STAFF_PASSWORD environment variable")
        parser.add_argument("--new-token", action="store_true",
                            help="for an existing account: revoke its API tokens and print a new one")

    def handle(self, *args, **opts):
        clinic = Clinic.objects.filter(slug=opts["clinic"]).first()
        if clinic is None:
            raise CommandError(f"no clinic with slug {opts['clinic']!r}; create it with create_clinic")
        existing = User.objects.filter(username=opts["username"]).first()
        if existing is not None and existing.clinic_id != clinic.id:
            raise CommandError(f"user {existing.username!r} belongs to another clinic")
        password = opts["password"] or os.environ.get("STAFF_PASSWORD")
        try:
            user, key, created = staff_create(username=opts["username"], clinic=clinic, role=opts["role"],
                                              password=password)
        except ValidationError as exc:
            raise CommandError("password refused: " + " ".join(exc.messages)) from None
        if created:
            self.stdout.write(f"Created {user.role} {user.username} of {clinic.slug}")
        else:
            self.stdout.write(f"Already exists: {user.role} {user.username} of {clinic.slug}; nothing changed")
            if opts["new_token"]:
                api_tokens_revoke(user=user)
                _token, key = api_token_issue(user=user)
                self.stdout.write("Earlier API tokens of this account are revoked.")
        self.stdout.write(key or NOT_SHOWN)
