from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clinics.languages import DEFAULT_LANGUAGE, language_codes
from clinics.services import clinic_create


class Command(BaseCommand):
    help = "Create a clinic (does nothing if the slug exists)."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--timezone", required=True, help="IANA time zone, e.g. Europe/London")
        parser.add_argument("--injection-days", help="e.g. mon,wed,fri (default)")
        parser.add_argument("--open-days", help="e.g. mon,tue,wed,thu,fri (default)")
        parser.add_argument("--country", help="ISO 3166 code for national phone numbers (default: the time zone's)")
        parser.add_argument("--language", help=f"patients' language unless they choose one: {', '.join(language_codes())} "
                                               f"(default {DEFAULT_LANGUAGE})")

    def handle(self, *args, **opts):
        try:
            clinic, created = clinic_create(
                slug=opts["slug"],
                name=opts["name"],
                timezone=opts["timezone"],
                injection_days=opts["injection_days"],
                open_days=opts["open_days"],
                country=opts["country"],
                language=opts["language"],
            )
        except (ValidationError, ValueError) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from None
        verb = "Created" if created else "Already exists:"
        self.stdout.write(f"{verb} clinic {clinic.slug} ({clinic.name}, {clinic.timezone}, {clinic.language})")
