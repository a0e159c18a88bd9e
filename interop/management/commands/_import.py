from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clinics.models import Clinic
from interop.csvimport.reader import CsvRejected, decode
from interop.services.accounts import interface_account_for
from interop.services.imports import csv_import_run
from patients.errors import InvalidInput


class ImportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file (UTF-8; comma, semicolon or tab separated)")
        parser.add_argument("--clinic", required=True, help="the clinic's slug")
        parser.add_argument("--dry-run", action="store_true", help="check every row and import nothing")
        parser.add_argument("--as", dest="username", help="record the import as this clinician or nurse "
                                                          "(default: the clinic's interface account)")

    def handle(self, *args, **opts):
        clinic = Clinic.objects.filter(slug=opts["clinic"]).first()
        if clinic is None:
            raise CommandError(f"no clinic with slug {opts['clinic']!r}")
        try:
            actor = interface_account_for(clinic, opts["username"])
            content = decode(Path(opts["file"]).read_bytes())
        except InvalidInput as exc:
            raise CommandError("; ".join(exc.errors.values())) from None
        except (OSError, CsvRejected) as exc:
            raise CommandError(str(exc)) from None
        report = csv_import_run(actor=actor, clinic=clinic, kind=self.kind, content=content,
                                dry_run=opts["dry_run"])
        if report.file_error:
            raise CommandError(report.file_error)
        for row in report.rows:
            if row.status != "ok" or opts["verbosity"] > 1:
                self.stdout.write(f"line {row.line}: {row.status}: {row.message}")
        ok, skipped, errors = report.count("ok"), report.count("skipped"), len(report.error_rows)
        if errors:
            raise CommandError(f"{errors} row{'s' if errors != 1 else ''} with errors: nothing imported")
        verb = "would import" if opts["dry_run"] else "imported"
        self.stdout.write(f"{len(report.rows)} rows: {verb} {ok}, {skipped} already there"
                          + (" (dry run: nothing saved)" if opts["dry_run"] else ""))
