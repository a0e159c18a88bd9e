from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reminders.catalogs import CatalogError, compile_catalogs


class Command(BaseCommand):
    help = ("Compile the translation catalogs (locale/*/LC_MESSAGES/*.po) to .mo files, in pure Python: "
            "no GNU gettext needed.")
    requires_system_checks = []

    def handle(self, *args, **opts):
        written = []
        for locale_dir in settings.LOCALE_PATHS:
            try:
                written += compile_catalogs(Path(locale_dir))
            except CatalogError as exc:
                raise CommandError(str(exc)) from None
        if opts["verbosity"] > 1:
            for path in written:
                self.stdout.write(f"Compiled {path}")
        if opts["verbosity"] > 0:
            self.stdout.write(f"Compiled {len(written)} translation catalog(s)")
