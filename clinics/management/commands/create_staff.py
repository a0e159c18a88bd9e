import os

from django.core.management.base import BaseCommand, CommandError

from clinics.models import Clinic, Role
from clinics.services import staff_create


class Command(BaseCommand):
    help = "Create a staff member of a clinic; prints the API token as the last line."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--clinic", required=True, help="the clinic's slug")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--password", help="default: the STAFF_PASSWORD environment variable")

    def handle(self, *args, **opts):
        clinic = Clinic.objects.filter(slug=opts["clinic"]).first()
        if clinic is None:
            raise CommandError(f"no clinic with slug {opts['clinic']!r}; create it with create_clinic")
        password = opts["password"] or os.environ.get("STAFF_PASSWORD")
        user, token, created = staff_create(
            username=opts["username"], clinic=clinic, role=opts["role"], password=password
        )
        if not created and user.clinic_id != clinic.id:
            raise CommandError(f"user {user.username!r} belongs to another clinic")
        verb = "Created" if created else "Already exists:"
        self.stdout.write(f"{verb} {user.role} {user.username} of {clinic.slug}")
        self.stdout.write(token.key)
