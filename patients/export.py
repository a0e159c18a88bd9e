"""Everything the service holds about one patient, as one JSON document (`manage.py export_patient`).

Two formats: `json`, this service's own ("clinic-scheduler.patient-export", version 1) — every row
of the patient's records with its stored fields, grouped by kind, with the audit trail — and
`fhir`, the FHIR R4 Bundle of `Patient/{id}/$everything` (what another system can read).
Secrets (calendar-feed tokens, claim tokens) are left out; entered-in-error records are kept, marked.
"""

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

#: Fields never exported: secrets, not data about the patient.
SECRET_FIELDS = {"calendar_token", "claim_token"}


def _rows(queryset) -> list[dict]:
    return [{key: value for key, value in row.items() if key not in SECRET_FIELDS}
            for row in queryset.order_by("pk").values()]


def patient_export_json(patient) -> dict:
    from alerts.models import Alert
    from patients.models import Administration, Enrollment, LabResult, Patient, ScheduledEvent
    from reminders.models import OptOut, PatientReminderPreferences, Reminder

    clinic = patient.clinic
    return {
        "format": "clinic-scheduler.patient-export",
        "version": 1,
        "exported_at": timezone.now(),
        "clinic": {"id": clinic.pk, "slug": clinic.slug, "name": clinic.name, "timezone": clinic.timezone},
        "patient": _rows(Patient.objects.filter(pk=patient.pk))[0],
        "enrollments": _rows(Enrollment.objects.filter(patient=patient)),
        "scheduled_events": _rows(ScheduledEvent.objects.filter(patient=patient)),
        "administrations": _rows(Administration.objects.filter(patient=patient)),
        "lab_results": _rows(LabResult.objects.filter(patient=patient)),
        "alerts": _rows(Alert.objects.filter(patient=patient)),
        "reminders": _rows(Reminder.objects.filter(patient=patient)),
        "reminder_opt_outs": _rows(OptOut.objects.filter(patient=patient)),
        "reminder_preferences": _rows(PatientReminderPreferences.objects.filter(patient=patient)),
        "history": _rows(Patient.history.filter(id=patient.pk)),
    }


def patient_export_fhir(patient) -> dict:
    from django.conf import settings

    from interop.fhir.everything import patient_everything

    return patient_everything(patient, base_url=f"{settings.PUBLIC_BASE_URL}/fhir/r4")


#: format name -> function(patient) returning a JSON-serialisable document.
EXPORT_FORMATS = {"json": patient_export_json, "fhir": patient_export_fhir}

JSON_ENCODER = DjangoJSONEncoder
