"""The product's records as FHIR R4 resources, each validated with its fhir.resources R4B model.

Patient; Observation per lab result (LOINC, UCUM valueQuantity in the canonical unit, the value as
received in an extension); MedicationAdministration per recorded outcome (missed and declined as
not-done with a statusReason); Flag per alert. CarePlan and MedicationRequest are in careplan.py.
"""

from __future__ import annotations

from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient as FhirPatient

from patients.lab_codes import TESTS

from .common import (
    CS_ALERT,
    CS_DOSE_OUTCOME,
    EXT_ALERT_SEVERITY,
    EXT_AS_RECEIVED,
    EXT_CONFIRMED_UNUSUAL,
    FLAG_CATEGORY,
    ID_CSV_ACCESSION,
    ID_HL7_RESULT,
    IDENTIFIER_TYPE,
    LOINC,
    OBSERVATION_CATEGORY,
    ROUTES,
    day,
    drop_empty,
    instant,
    mrn_system,
    number,
    quantity,
    ref,
    validated,
)

GENDERS = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}


def patient_resource(patient) -> dict:
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone, "use": "mobile" if patient.phone_kind == "mobile"
                        else None})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    return validated(FhirPatient, drop_empty({
        "resourceType": "Patient",
        "id": str(patient.pk),
        "identifier": [{
            "use": "usual",
            "type": {"coding": [{"system": IDENTIFIER_TYPE, "code": "MR", "display": "Medical record number"}]},
            "system": mrn_system(patient.clinic), "value": patient.mrn,
            "assigner": {"display": patient.clinic.name},
        }],
        "active": True,
        "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
        "gender": GENDERS.get(patient.sex, "unknown"),
        "birthDate": day(patient.date_of_birth),
        "telecom": telecom,
        "managingOrganization": {"display": patient.clinic.name},
    }))


def _identifiers(result) -> list[dict]:
    identifiers = []
    for link in result.external_ids.all():
        if link.source == "fhir":
            system, _, value = link.key.partition("|")
            identifiers.append({"system": system or None, "value": value})
        else:
            identifiers.append({"system": ID_HL7_RESULT if link.source == "hl7" else ID_CSV_ACCESSION,
                                "value": link.key})
    return identifiers


def observation_resource(result) -> dict:
    lab = TESTS[result.code]
    received = [{"url": "value", "valueQuantity": quantity(result.value, result.unit)}]
    if result.loinc != lab.loinc:
        received.append({"url": "code", "valueCoding": {"system": LOINC, "code": result.loinc}})
    notes = []
    if result.entered_in_error:
        notes.append({"text": f"Entered in error: {result.error_reason}", "time": instant(result.error_at)})
    extensions = [{"url": EXT_AS_RECEIVED, "extension": received}]
    if result.confirmed_unusual:
        extensions.append({"url": EXT_CONFIRMED_UNUSUAL, "valueBoolean": True})
    return validated(Observation, drop_empty({
        "resourceType": "Observation",
        "id": str(result.pk),
        "extension": extensions,
        "identifier": _identifiers(result),
        "status": "entered-in-error" if result.entered_in_error else "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "laboratory", "display": "Laboratory"}]}],
        "code": {"coding": [{"system": LOINC, "code": lab.loinc, "display": lab.name}], "text": lab.name},
        "subject": ref("Patient", result.patient_id),
        "effectiveDateTime": instant(result.collected_at),
        "issued": instant(result.created_at),
        "valueQuantity": quantity(result.normalized_value, result.normalized_unit),
        "note": notes,
    }))


def drug_text(code: str, dose_mg=None, route: str = "") -> str:
    text = code.replace("-", " ")
    if dose_mg:
        text += f" {number(dose_mg).normalize():f} mg"
    return f"{text} {route}".strip()


def medication_request_id(enrollment_id: int, phase: str) -> str:
    return f"{enrollment_id}-{phase}"


def administration_resource(record) -> dict:
    event = record.event
    given = record.outcome == "given"
    if record.entered_in_error:
        status = "entered-in-error"
    else:
        status = "completed" if given else "not-done"
    medication: dict = {"medicationCodeableConcept": {"text": drug_text(event.code)}}
    contained = []
    if record.lot_number:
        contained.append({"resourceType": "Medication", "id": "med", "code": {"text": drug_text(event.code)},
                          "batch": {"lotNumber": record.lot_number}})
        medication = {"medicationReference": {"reference": "#med"}}
    route = ROUTES.get(record.route or event.route)
    notes = [{"text": record.note}] if record.note else []
    if record.entered_in_error:
        notes.append({"text": f"Entered in error: {record.error_reason}", "time": instant(record.error_at)})
    performer = record.performed_by or (record.recorded_by.get_full_name() or record.recorded_by.username
                                        if record.recorded_by else "")
    return validated(MedicationAdministration, drop_empty({
        "resourceType": "MedicationAdministration",
        "id": str(record.pk),
        "contained": contained,
        "status": status,
        "statusReason": [] if given else [{
            "coding": [{"system": CS_DOSE_OUTCOME, "code": record.outcome, "display": record.get_outcome_display()}],
            "text": "Dose missed" if record.outcome == "missed" else "Dose declined by the patient",
        }],
        **medication,
        "subject": ref("Patient", record.patient_id),
        "effectiveDateTime": instant(record.occurred_at),
        "performer": [{"actor": {"display": performer}}] if performer else [],
        "request": ref("MedicationRequest", medication_request_id(event.enrollment_id, event.phase)),
        "note": notes,
        "dosage": {
            "site": {"text": record.get_site_display()} if record.site else None,
            "route": {"coding": [dict(zip(("system", "code", "display"), route, strict=True))]} if route else None,
            "dose": quantity(record.dose_mg, "mg") if record.dose_mg else None,
        } if given else None,
    }))


def flag_resource(alert) -> dict:
    return validated(Flag, drop_empty({
        "resourceType": "Flag",
        "id": str(alert.pk),
        "extension": [{"url": EXT_ALERT_SEVERITY, "valueCode": alert.severity}],
        "status": "inactive" if alert.status == "resolved" else "active",
        "category": [{"coding": [{"system": FLAG_CATEGORY, "code": "clinical", "display": "Clinical"}]}],
        "code": {"coding": [{"system": CS_ALERT, "code": alert.code}], "text": alert.message},
        "subject": ref("Patient", alert.patient_id),
        "period": {"start": instant(alert.created_at), "end": instant(alert.resolved_at)},
    }))
