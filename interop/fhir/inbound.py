"""FHIR in: Observations (one, or a batch / transaction Bundle of them) filed as lab results through
the one lab service.

- `identifier` makes re-sending create nothing; `corrected`/`amended` replaces the result filed
  under the same identifier (marked entered-in-error); `entered-in-error` withdraws it.
- The "did you mean" guard applies: a sender confirms an extreme value with an interpretation of
  LL, HH or AA (critical), or the `confirmed-unusual-value` extension set to true.
- A transaction is filed all or nothing; a batch entry by entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime
from fhir.resources.R4B.observation import Observation
from pydantic import ValidationError

from patients.errors import InvalidInput
from patients.models import Patient
from patients.services.labs import UnusualLabValue

from ..limits import FHIR_MAX_ENTRIES
from ..models import Source
from ..services.results import IdentifierConflict, external_result_file, external_result_withdraw
from .common import CONFIRMING_INTERPRETATIONS, EXT_CONFIRMED_UNUSUAL, LOINC, UCUM, mrn_system
from .outcome import FhirError, issue, validation_issues

FILED = ("final", "amended", "corrected")
#: Where in an Observation an error of the lab service is.
ELEMENT = {"test": "code", "value": "valueQuantity.value", "unit": "valueQuantity.code",
           "collected_at": "effectiveDateTime", "identifier": "identifier", "confirm_unusual": "interpretation"}


@dataclass
class Received:
    """What an Observation asks for, once read."""

    patient: Patient
    status: str
    key: str
    test: str = ""
    value: Decimal | None = None
    unit: str = ""
    collected_at: datetime | None = None
    confirm: bool = False


def _codings(concept: dict | None) -> list[dict]:
    return [c for c in (concept or {}).get("coding", []) if isinstance(c, dict)]


def resolve_subject(reference: str, clinic, where: str) -> Patient:
    """`Patient/{id}` or `Patient?identifier=[system|]MRN`, in the clinic; another clinic's is not found."""
    patients = Patient.objects.filter(clinic=clinic).select_related("clinic")
    if reference.startswith("Patient?"):
        param, _, token = reference[len("Patient?"):].partition("=")
        system, bar, value = token.partition("|")
        if param != "identifier" or not token:
            raise FhirError(400, [issue("not-supported", f"{where}: only Patient?identifier=SYSTEM|MRN is supported",
                                        where)])
        if not bar:
            system, value = "", token
        if system and system != mrn_system(clinic):
            raise FhirError(404, [issue("not-found", f"{where}: {system} is not this clinic's MRN system "
                                                     f"({mrn_system(clinic)})", where)])
        patient = patients.filter(mrn=value).first()
        if patient is None:
            raise FhirError(404, [issue("not-found", f"{where}: no patient with MRN {value} in your clinic", where)])
        return patient
    kind, _, pk = reference.partition("/")
    if kind != "Patient" or not pk.isdigit() or len(pk) > 18:
        raise FhirError(400, [issue("value", f"{where}: the subject must be Patient/ID or Patient?identifier=SYSTEM|MRN",
                                    where)])
    patient = patients.filter(pk=int(pk)).first()
    if patient is None:
        raise FhirError(404, [issue("not-found", f"{where}: no Patient/{pk} in your clinic", where)])
    return patient


def _key(data: dict) -> str:
    for identifier in data.get("identifier") or []:
        if identifier.get("value"):
            return f"{identifier.get('system') or ''}|{identifier['value']}"
    return ""


def _collected_at(data: dict, where: str) -> datetime:
    raw = data.get("effectiveDateTime") or data.get("effectiveInstant") or (data.get("effectivePeriod") or {}).get("start")
    if not raw:
        raise FhirError(422, [issue("required", f"{where}.effectiveDateTime is required (when the sample was taken)",
                                    f"{where}.effectiveDateTime")])
    moment = parse_datetime(str(raw)) if "T" in str(raw) else None
    if moment is None or moment.tzinfo is None:
        raise FhirError(422, [issue("value", f"{where}.effectiveDateTime must be a date-time with a time zone "
                                             f"(e.g. 2026-01-05T09:00:00Z), not {raw!r}", f"{where}.effectiveDateTime")])
    return moment


def read_observation(data: dict, *, clinic, where: str = "Observation") -> Received:
    """An Observation as the lab result it asks for; FhirError naming the element when it cannot be."""
    if data.get("resourceType") != "Observation":
        raise FhirError(400, [issue("not-supported", f"{where}: only Observation resources are accepted, not "
                                                     f"{data.get('resourceType')!r}", f"{where}.resourceType")])
    try:
        Observation.model_validate(data)
    except ValidationError as exc:
        raise FhirError(400, validation_issues(exc, where)) from None
    status = data.get("status")
    reference = (data.get("subject") or {}).get("reference") or ""
    if not reference:
        raise FhirError(422, [issue("required", f"{where}.subject is required (Patient/ID or "
                                                "Patient?identifier=SYSTEM|MRN)", f"{where}.subject")])
    patient = resolve_subject(reference, clinic, f"{where}.subject")
    received = Received(patient=patient, status=status, key=_key(data))
    if status == "entered-in-error":
        if not received.key:
            raise FhirError(422, [issue("required", f"{where}.identifier is required to withdraw a result",
                                        f"{where}.identifier")])
        return received
    if status not in FILED:
        raise FhirError(422, [issue("business-rule", f"{where}.status {status!r}: only final, amended or corrected "
                                                     "results are filed", f"{where}.status")])
    loinc = next((c.get("code") for c in _codings(data.get("code")) if c.get("system") == LOINC and c.get("code")), None)
    if not loinc:
        raise FhirError(422, [issue("code-invalid", f"{where}.code needs a LOINC coding (system {LOINC})",
                                    f"{where}.code")])
    quantity = data.get("valueQuantity")
    if not quantity or quantity.get("value") is None:
        raise FhirError(422, [issue("required", f"{where}.valueQuantity with a value is required",
                                    f"{where}.valueQuantity")])
    unit = quantity.get("code") if quantity.get("system") == UCUM and quantity.get("code") else quantity.get("unit")
    if not unit:
        raise FhirError(422, [issue("required", f"{where}.valueQuantity needs its UCUM unit (code)",
                                    f"{where}.valueQuantity.code")])
    interpretations = {c.get("code") for concept in data.get("interpretation") or [] for c in _codings(concept)}
    confirm = bool(interpretations & CONFIRMING_INTERPRETATIONS) or any(
        e.get("url") == EXT_CONFIRMED_UNUSUAL and e.get("valueBoolean") is True for e in data.get("extension") or [])
    received.test, received.value, received.unit = loinc, Decimal(str(quantity["value"])), unit
    received.collected_at, received.confirm = _collected_at(data, where), confirm
    return received


def _service_error(exc: InvalidInput, where: str) -> FhirError:
    if isinstance(exc, UnusualLabValue):
        suggested = (f" (probably {exc.suggested_unit})" if exc.suggested_unit and exc.suggested_unit not in exc.message
                     else "")
        text = (f"{where}.valueQuantity: {exc.message}{suggested}. If the value is right, the sender confirms it "
                f"with an interpretation of LL, HH or AA, or the extension {EXT_CONFIRMED_UNUSUAL} set to true")
        return FhirError(422, [issue("business-rule", text, f"{where}.valueQuantity")])
    status = 409 if isinstance(exc, IdentifierConflict) else 422
    return FhirError(status, [issue("duplicate" if status == 409 else "business-rule",
                                    f"{where}.{ELEMENT.get(name, name)}: {message}", f"{where}.{ELEMENT.get(name, name)}")
                              for name, message in exc.errors.items() if name != "suggested_unit"])


def observation_file(*, actor, clinic, data: dict, where: str = "Observation"):
    """File one Observation. Returns (LabResult, HTTP status): 201 filed, 200 already filed or withdrawn."""
    received = read_observation(data, clinic=clinic, where=where)
    try:
        return _file_received(actor, received, where)
    except IntegrityError:
        # The same identifier filed by another request at the same moment: now it is there, so
        # filing again answers it (or the conflict) as a re-sent result would be.
        return _file_received(actor, received, where)


def _file_received(actor, received: Received, where: str):
    try:
        with transaction.atomic():
            if received.status == "entered-in-error":
                record = external_result_withdraw(actor=actor, patient=received.patient, source=Source.FHIR,
                                                  key=received.key, reason="withdrawn by the sender "
                                                                           "(status entered-in-error)")
                if record is None:
                    raise FhirError(404, [issue("not-found", f"{where}.identifier: no result was filed under "
                                                             f"{received.key}", f"{where}.identifier")])
                return record, 200
            filed = external_result_file(
                actor=actor, patient=received.patient, source=Source.FHIR, key=received.key, test=received.test,
                value=received.value, unit=received.unit, collected_at=received.collected_at,
                confirm_unusual=received.confirm, correction=received.status in ("corrected", "amended"),
            )
    except InvalidInput as exc:
        raise _service_error(exc, where) from None
    return filed.record, 201 if filed.created else 200


@dataclass
class EntryAnswer:
    status: int
    record: object = None
    error: FhirError | None = None


def _entries(bundle: dict) -> list[dict]:
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise FhirError(400, [issue("structure", "Bundle.entry must be a list", "Bundle.entry")])
    if len(entries) > FHIR_MAX_ENTRIES:
        raise FhirError(413, [issue("too-costly", f"a Bundle may have at most {FHIR_MAX_ENTRIES} entries, not "
                                                  f"{len(entries)}", "Bundle.entry")])
    return entries


def _entry_resource(entry, index: int) -> dict:
    where = f"Bundle.entry[{index}]"
    if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
        raise FhirError(400, [issue("required", f"{where}.resource is required", f"{where}.resource")])
    request = entry.get("request") or {}
    method, url = request.get("method", "POST"), str(request.get("url", "Observation")).strip("/")
    if method != "POST" or url != "Observation":
        raise FhirError(400, [issue("not-supported", f"{where}.request: only POST Observation is supported",
                                    f"{where}.request")])
    return entry["resource"]


def bundle_file(*, actor, clinic, bundle: dict) -> tuple[str, list[EntryAnswer]]:
    """File a batch or transaction Bundle of Observations. A transaction with any failing entry raises
    FhirError naming every failing entry, and saves nothing."""
    kind = bundle.get("type")
    if bundle.get("resourceType") != "Bundle" or kind not in ("batch", "transaction"):
        raise FhirError(400, [issue("not-supported", "POST a Bundle of type batch or transaction", "Bundle.type")])
    entries = _entries(bundle)
    answers: list[EntryAnswer] = []
    if kind == "batch":
        for index, entry in enumerate(entries):
            try:
                record, status = observation_file(actor=actor, clinic=clinic, data=_entry_resource(entry, index),
                                                  where=f"Bundle.entry[{index}].resource")
                answers.append(EntryAnswer(status, record))
            except FhirError as exc:
                answers.append(EntryAnswer(exc.status, error=exc))
        return "batch-response", answers
    with transaction.atomic():
        problems: list[dict] = []
        status = 400
        for index, entry in enumerate(entries):
            try:
                with transaction.atomic():
                    record, code = observation_file(actor=actor, clinic=clinic, data=_entry_resource(entry, index),
                                                    where=f"Bundle.entry[{index}].resource")
                answers.append(EntryAnswer(code, record))
            except FhirError as exc:
                if not problems:
                    status = exc.status  # the answer's status is that of the first failing entry
                problems += exc.issues
        if problems:
            transaction.set_rollback(True)
            raise FhirError(status, problems[:100])
    return "transaction-response", answers
