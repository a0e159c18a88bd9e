"""Systems, extension URLs and helpers shared by the FHIR R4 facade (resources built and validated
with fhir.resources' R4B models)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"

#: The product's own namespace for code systems, identifier systems and extensions.
BASE = "https://treatment-scheduler.example/fhir"
EXT_AS_RECEIVED = f"{BASE}/StructureDefinition/lab-value-as-received"
EXT_CONFIRMED_UNUSUAL = f"{BASE}/StructureDefinition/confirmed-unusual-value"
EXT_STARTS_AFTER = f"{BASE}/StructureDefinition/starts-after"
EXT_ALERT_SEVERITY = f"{BASE}/StructureDefinition/alert-severity"
CS_DOSE_OUTCOME = f"{BASE}/CodeSystem/dose-outcome"
CS_ALERT = f"{BASE}/CodeSystem/alert-rule"
CS_LAB_EVENT = f"{BASE}/CodeSystem/lab-event"
ID_HL7_RESULT = f"{BASE}/identifier/hl7-result"
ID_CSV_ACCESSION = f"{BASE}/identifier/csv-accession"

#: Interpretation codes by which a sender confirms an extreme value (critical low, high, abnormal).
CONFIRMING_INTERPRETATIONS = frozenset({"LL", "HH", "AA"})

ROUTES = {
    "IM": (SNOMED, "78421000", "Intramuscular route"),
    "SC": (SNOMED, "34206005", "Subcutaneous route"),
    "oral": (SNOMED, "26643006", "Oral route"),
}
PERIOD_UNITS = {"day": "d", "week": "wk", "month": "mo", "year": "a"}


def mrn_system(clinic) -> str:
    """The identifier system of a clinic's MRNs."""
    return f"{BASE}/clinic/{clinic.slug}/mrn"


def ref(kind: str, pk) -> dict:
    return {"reference": f"{kind}/{pk}"}


def instant(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def number(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def quantity(value, unit: str) -> dict:
    return {"value": number(value), "unit": unit, "system": UCUM, "code": unit}


def validated(model, data: dict) -> dict:
    """`data` checked against its fhir.resources R4B model, as JSON-ready data without empty elements."""
    return model.model_validate(data).model_dump(mode="json", exclude_none=True)


def drop_empty(data):
    """Remove None values and empty lists/dicts (FHIR forbids empty elements)."""
    if isinstance(data, dict):
        cleaned = {k: drop_empty(v) for k, v in data.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, [], {}, "")}
    if isinstance(data, list):
        return [v for v in (drop_empty(v) for v in data) if v not in (None, [], {}, "")]
    return data
