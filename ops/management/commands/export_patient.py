"""Export everything held about one patient (for a subject access request, or a move to another system)."""

import json
import logging
import sys

from django.core.management.base import BaseCommand, CommandError

from clinics.models import Clinic
from ops import logcontext
from patients.export import EXPORT_FORMATS, JSON_ENCODER
from patients.models import Patient

logger = logging.getLogger("ops.commands")


class Command(BaseCommand):
    help = "Export one patient's data as JSON or a FHIR R4 Bundle (to a file, or standard output)."

    def add_arguments(self, parser):
        parser.add_argument("--clinic", required=True, help="the clinic's slug")
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--mrn", help="the patient's MRN in that clinic")
        who.add_argument("--patient-id", type=int, help="the patient's id (as in the API)")
        parser.add_argument("--format", choices=sorted(EXPORT_FORMATS), default="json",
                            help="json: this service's own format, with the audit trail (default); "
                                 "fhir: the FHIR R4 Bundle of Patient/$everything")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, **opts):
        clinic = Clinic.objects.filter(slug=opts["clinic"]).first()
        if clinic is None:
            raise CommandError(f"no clinic with slug {opts['clinic']!r}")
        patients = Patient.objects.filter(clinic=clinic)
        patient = (patients.filter(mrn=opts["mrn"]) if opts["mrn"] else patients.filter(pk=opts["patient_id"])).first()
        if patient is None:
            raise CommandError("no such patient in that clinic")
        logcontext.bind_clinic(clinic.pk)
        document = EXPORT_FORMATS[opts["format"]](patient)
        text = json.dumps(document, cls=JSON_ENCODER, indent=2, ensure_ascii=False)
        if opts["output"]:
            with open(opts["output"], "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            self.stderr.write(f"Wrote patient {patient.pk}'s data to {opts['output']}")
        else:
            (self.stdout if self.stdout else sys.stdout).write(text)
        logger.info("patient %s exported (%s)", patient.pk, opts["format"])
