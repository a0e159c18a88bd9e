from django.core.management.base import BaseCommand

from protocols.services import builtin_protocols_load


class Command(BaseCommand):
    help = "Load the built-in protocols (idempotent; a changed definition becomes a new version)."

    def handle(self, *args, **opts):
        for version, created in builtin_protocols_load():
            state = "new version" if created else "unchanged"
            self.stdout.write(f"{version.protocol.slug} v{version.version}: {state}")
