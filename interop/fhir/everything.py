"""`Patient/{id}/$everything`: the patient and every record of theirs as one Bundle.

`patient_everything(patient, base_url=...)` builds it as a dict (JSON-ready), for the FHIR facade
and for anything else that exports a patient's data.
"""

from __future__ import annotations

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from alerts.models import Alert
from patients.models import Administration, EventStatus, LabResult, ScheduledEvent

from .careplan import care_plan_bundle
from .common import instant
from .resources import administration_resource, flag_resource, observation_resource, patient_resource


def lab_results_of(patient):
    return (LabResult.objects.filter(patient=patient).select_related("recorded_by", "error_by")
            .prefetch_related("external_ids").order_by("collected_at", "id"))


def administrations_of(patient):
    return (Administration.objects.filter(patient=patient).select_related("event", "recorded_by")
            .order_by("occurred_at", "id"))


def care_plans_of(patient) -> list[dict]:
    """A CarePlan and its MedicationRequests per enrollment of the patient, oldest enrollment first."""
    enrollments = list(patient.enrollments.select_related("clinic", "patient", "patient__clinic",
                                                          "protocol_version__protocol").order_by("start_date", "id"))
    events: dict[int, list] = {e.pk: [] for e in enrollments}
    for event in (ScheduledEvent.objects.filter(patient=patient, kind__in=("lab", "review"))
                  .exclude(status=EventStatus.CANCELLED).order_by("due_date", "id")):
        events.setdefault(event.enrollment_id, []).append(event)
    resources = []
    for enrollment in enrollments:
        resources += care_plan_bundle(enrollment, events[enrollment.pk])
    return resources


def patient_resources(patient) -> list[dict]:
    resources = [patient_resource(patient)]
    resources += care_plans_of(patient)
    resources += [administration_resource(r) for r in administrations_of(patient)]
    resources += [observation_resource(r) for r in lab_results_of(patient)]
    resources += [flag_resource(a) for a in Alert.objects.filter(patient=patient).order_by("created_at", "id")]
    return resources


def bundle_of(resources: list[dict], *, base_url: str, kind: str = "searchset", total: int | None = None,
              links: list[dict] | None = None) -> dict:
    base = base_url.rstrip("/")
    bundle = {
        "resourceType": "Bundle",
        "type": kind,
        "timestamp": instant(timezone.now()),
        "total": len(resources) if total is None and kind == "searchset" else total,
        "link": links or None,
        "entry": [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r,
                   **({"search": {"mode": "match"}} if kind == "searchset" else {})} for r in resources],
    }
    return Bundle.model_validate({k: v for k, v in bundle.items() if v is not None}).model_dump(
        mode="json", exclude_none=True)


def patient_everything(patient, *, base_url: str) -> dict:
    """Everything about `patient` as a FHIR searchset Bundle (a dict): Patient, CarePlans with their
    MedicationRequests, MedicationAdministrations, Observations and Flags. References inside are
    relative (`Patient/12`) and resolve to entries' `fullUrl` under `base_url`."""
    return bundle_of(patient_resources(patient), base_url=base_url,
                     links=[{"relation": "self", "url": f"{base_url.rstrip('/')}/Patient/{patient.pk}/$everything"}])
