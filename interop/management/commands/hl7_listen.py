import asyncio
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from clinics.models import Clinic
from interop.hl7.mllp import MllpListener
from interop.services.accounts import interface_account_for
from interop.services.hl7 import hl7_message_receive
from patients.errors import InvalidInput


class Command(BaseCommand):
    help = "Receive HL7 v2 ORU^R01 lab results over MLLP for a clinic; SIGTERM or Ctrl-C stops it cleanly."

    def add_arguments(self, parser):
        parser.add_argument("--clinic", required=True, help="the clinic's slug")
        parser.add_argument("--port", type=int, default=2575)
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--as", dest="username", help="file results as this clinician or nurse "
                                                          "(default: the clinic's interface account)")
        parser.add_argument("--workers", type=int, default=None,
                            help="messages filed at once (default 4; 1 on SQLite)")

    def handle(self, *args, **opts):
        clinic = Clinic.objects.filter(slug=opts["clinic"]).first()
        if clinic is None:
            raise CommandError(f"no clinic with slug {opts['clinic']!r}")
        try:
            actor = interface_account_for(clinic, opts["username"])
        except InvalidInput as exc:
            raise CommandError("; ".join(exc.errors.values())) from None
        sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
        workers = opts["workers"] or (1 if sqlite else 4)
        if not 1 <= workers <= 32:
            raise CommandError("--workers must be between 1 and 32")

        def handle_message(raw: bytes) -> str:
            return hl7_message_receive(clinic=clinic, actor=actor, raw=raw, channel="mllp").ack

        listener = MllpListener(handle_message, host=opts["host"], port=opts["port"], workers=workers)
        try:
            asyncio.run(self._run(listener, clinic))
        except OSError as exc:
            raise CommandError(f"cannot listen on {opts['host']}:{opts['port']}: {exc}") from None
        self.stdout.write("Stopped.")

    async def _run(self, listener: MllpListener, clinic) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        port = await listener.start()
        self.stdout.write(f"Listening for HL7 v2 (MLLP) for {clinic.slug} on {listener.host}:{port}")
        self.stdout.flush()
        await stop.wait()
        self.stdout.write("Stopping: finishing the messages being filed...")
        await listener.stop()
