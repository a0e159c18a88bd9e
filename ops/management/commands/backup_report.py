"""What a database holds, in counts and fingerprints (no patient data printed): run on the live
database and on a restored copy, the two reports must be equal (scripts/restore_check)."""

import hashlib
import json

from django.core.management.base import BaseCommand
from django.db.models import Max


def fingerprint(rows) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(row, default=str, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def backup_report() -> dict:
    from alerts.models import Alert
    from clinics.models import Clinic, User
    from patients.models import Administration, Enrollment, LabResult, Patient, ScheduledEvent
    from reminders.models import Reminder

    report = {}
    tables = {
        "clinics": (Clinic, ["id", "slug", "timezone"]),
        "staff": (User, ["id", "username", "clinic_id", "role"]),
        "patients": (Patient, ["id", "clinic_id", "mrn", "given_name", "family_name", "date_of_birth"]),
        "enrollments": (Enrollment, ["id", "patient_id", "protocol_version_id", "start_date", "status"]),
        "plans": (ScheduledEvent, ["id", "enrollment_id", "kind", "code", "due_date", "due_at", "status"]),
        "administrations": (Administration, ["id", "event_id", "outcome", "occurred_at"]),
        "lab_results": (LabResult, ["id", "patient_id", "value", "unit"]),
        "alerts": (Alert, ["id", "patient_id", "code", "status"]),
        "reminders": (Reminder, ["id", "status", "send_at"]),
    }
    for name, (model, fields) in tables.items():
        rows = model.objects.order_by("pk").values_list(*fields)
        report[name] = {"count": rows.count(), "fingerprint": fingerprint(rows.iterator(chunk_size=5000)),
                        "last_id": model.objects.aggregate(m=Max("pk"))["m"]}
    return report


class Command(BaseCommand):
    help = "Print counts and fingerprints of the clinical data (JSON), to compare a restored backup with its source."

    def handle(self, *args, **opts):
        self.stdout.write(json.dumps(backup_report(), indent=2, sort_keys=True))
