"""The FHIR R4 facade under /fhir/r4/: DRF views with the project's authentication, clinic-scoped
(another clinic's resource is 404), every answer `application/fhir+json`, errors as OperationOutcome."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

from django.http import HttpResponse
from fhir.resources.R4B.bundle import Bundle
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from alerts.models import Alert
from clinics.permissions import IsClinicianOrNurse, IsClinicStaff, clinic_id_of
from patients import selectors
from patients.lab_codes import TESTS
from patients.models import Administration, Enrollment, LabResult, ScheduledEvent

from ..limits import FHIR_MAX_PAGE_SIZE, FHIR_PAGE_SIZE
from .capability import capability_statement
from .careplan import care_plan_bundle
from .common import LOINC, mrn_system, validated
from .everything import bundle_of, patient_everything
from .inbound import bundle_file, observation_file
from .outcome import FhirError, issue, operation_outcome, read_json
from .resources import administration_resource, flag_resource, observation_resource, patient_resource

logger = logging.getLogger(__name__)
FHIR_JSON = "application/fhir+json"


def fhir_response(data: dict, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(data, separators=(",", ":")), status=status,
                            content_type=f"{FHIR_JSON}; charset=utf-8")
    response["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def not_found(kind: str, pk) -> FhirError:
    return FhirError(404, [issue("not-found", f"no {kind}/{pk} in your clinic")])


def as_id(raw) -> int | None:
    """A logical id the database can hold (a bigint), or None: an id beyond it names nothing."""
    text = str(raw)
    return int(text) if text.isdigit() and len(text) <= 18 else None


class FhirView(APIView):
    """Reads for any staff of the clinic; writes (filing results) for clinicians and nurses."""

    schema = None  # described by the CapabilityStatement, not the OpenAPI document
    parser_classes = []  # bodies are read by read_json, within bounds

    def get_permissions(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [IsClinicStaff()]
        return [IsClinicianOrNurse()]

    def base_url(self) -> str:
        return self.request.build_absolute_uri("/fhir/r4").rstrip("/")

    def handle_exception(self, exc):
        if isinstance(exc, FhirError):
            return fhir_response(exc.outcome(), exc.status)
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            return fhir_response(operation_outcome([issue("login", str(exc.detail))]), 401,
                                 {"WWW-Authenticate": 'Token realm="fhir"'})
        if isinstance(exc, exceptions.PermissionDenied):
            return fhir_response(operation_outcome([issue("forbidden", str(exc.detail))]), 403)
        if isinstance(exc, exceptions.MethodNotAllowed):
            return fhir_response(operation_outcome([issue("not-supported", str(exc.detail))]), 405)
        if isinstance(exc, exceptions.APIException):
            return fhir_response(operation_outcome([issue("processing", str(exc.detail))]), exc.status_code)
        logger.exception("FHIR request failed")
        return fhir_response(operation_outcome([issue("exception", "the request could not be processed")]), 500)

    def page(self, queryset, build, path: str) -> HttpResponse:
        params = self.request.query_params
        try:
            count = min(max(int(params.get("_count", FHIR_PAGE_SIZE)), 1), FHIR_MAX_PAGE_SIZE)
            offset = min(max(int(params.get("_offset", 0)), 0), 10**9)
        except ValueError:
            raise FhirError(400, [issue("value", "_count and _offset must be whole numbers")]) from None
        total = queryset.count()
        rows = list(queryset[offset:offset + count])
        base = self.base_url()
        query = {k: v for k, v in params.items() if k not in ("_count", "_offset")}

        def link(relation, at):
            return {"relation": relation, "url": f"{base}/{path}?{urlencode({'_count': count, '_offset': at, **query})}"}

        links = [link("self", offset)]
        if offset + count < total:
            links.append(link("next", offset + count))
        if offset > 0:
            links.append(link("previous", max(offset - count, 0)))
        return fhir_response(bundle_of([build(r) for r in rows], base_url=base, total=total, links=links))

    def patient_param(self):
        raw = self.request.query_params.get("patient") or self.request.query_params.get("subject") or ""
        pk = as_id(raw.removeprefix("Patient/"))
        if pk is None:
            raise FhirError(400, [issue("required", "the patient search parameter (a Patient id) is required",
                                        "patient")])
        return pk


class Metadata(FhirView):
    permission_classes = [AllowAny]
    authentication_classes = []

    def get_permissions(self):
        return [AllowAny()]

    def get(self, request):
        return fhir_response(capability_statement(self.base_url()))


class PatientRead(FhirView):
    def get(self, request, pk):
        patient = selectors.patients_for(request.user).filter(pk=as_id(pk)).first()
        if patient is None:
            raise not_found("Patient", pk)
        return fhir_response(patient_resource(patient))


class PatientSearch(FhirView):
    def get(self, request):
        patients = selectors.patients_for(request.user).order_by("id")
        token = request.query_params.get("identifier")
        if token is not None:
            system, bar, value = token.partition("|")
            if not bar:
                system, value = "", token
            if system and system != mrn_system(request.user.clinic):
                patients = patients.none()
            patients = patients.filter(mrn=value)
        if request.query_params.get("_id"):
            patients = patients.filter(pk=as_id(request.query_params["_id"]))
        return self.page(patients, patient_resource, "Patient")


class PatientEverything(FhirView):
    def get(self, request, pk):
        patient = selectors.patients_for(request.user).filter(pk=as_id(pk)).first()
        if patient is None:
            raise not_found("Patient", pk)
        return fhir_response(patient_everything(patient, base_url=self.base_url()))


def _lab_results(user):
    return (LabResult.objects.filter(clinic_id=clinic_id_of(user)).select_related("recorded_by", "error_by")
            .prefetch_related("external_ids"))


class ObservationView(FhirView):
    def get(self, request):
        results = _lab_results(request.user).filter(patient_id=self.patient_param()).order_by("-collected_at", "-id")
        code = request.query_params.get("code")
        if code:
            system, bar, value = code.partition("|")
            if bar and system != LOINC:
                results = results.none()
            codes = [c for c, t in TESTS.items() if t.loinc == (value if bar else code)]
            results = results.filter(code__in=codes)
        return self.page(results, observation_resource, "Observation")

    def post(self, request):
        data = read_json(request.body)
        record, status = observation_file(actor=request.user, clinic=request.user.clinic, data=data)
        record = _lab_results(request.user).get(pk=record.pk)
        return fhir_response(observation_resource(record), status,
                             {"Location": f"{self.base_url()}/Observation/{record.pk}"})


class ObservationRead(FhirView):
    def get(self, request, pk):
        record = _lab_results(request.user).filter(pk=as_id(pk)).first()
        if record is None:
            raise not_found("Observation", pk)
        return fhir_response(observation_resource(record))


def _administrations(user):
    return Administration.objects.filter(clinic_id=clinic_id_of(user)).select_related("event", "recorded_by")


class AdministrationSearch(FhirView):
    def get(self, request):
        records = _administrations(request.user).filter(patient_id=self.patient_param()).order_by("-occurred_at", "-id")
        return self.page(records, administration_resource, "MedicationAdministration")


class AdministrationRead(FhirView):
    def get(self, request, pk):
        record = _administrations(request.user).filter(pk=as_id(pk)).first()
        if record is None:
            raise not_found("MedicationAdministration", pk)
        return fhir_response(administration_resource(record))


def _enrollments(user):
    return Enrollment.objects.filter(clinic_id=clinic_id_of(user)).select_related(
        "clinic", "patient", "patient__clinic", "protocol_version__protocol")


def _monitoring_events(enrollment):
    return list(ScheduledEvent.objects.filter(enrollment=enrollment, kind__in=("lab", "review"))
                .exclude(status="cancelled").order_by("due_date", "id"))


class CarePlanSearch(FhirView):
    def get(self, request):
        enrollments = _enrollments(request.user).filter(patient_id=self.patient_param()).order_by("start_date", "id")
        return self.page(enrollments, lambda e: care_plan_bundle(e, _monitoring_events(e))[0], "CarePlan")


class CarePlanRead(FhirView):
    def get(self, request, pk):
        enrollment = _enrollments(request.user).filter(pk=as_id(pk)).first()
        if enrollment is None:
            raise not_found("CarePlan", pk)
        return fhir_response(care_plan_bundle(enrollment, _monitoring_events(enrollment))[0])


class MedicationRequestRead(FhirView):
    def get(self, request, ident):
        enrollment_id, _, phase = ident.partition("-")
        enrollment = _enrollments(request.user).filter(pk=as_id(enrollment_id)).first()
        resources = care_plan_bundle(enrollment, []) if enrollment is not None else []
        found = next((r for r in resources[1:] if r["id"] == ident), None)
        if found is None:
            raise not_found("MedicationRequest", ident)
        return fhir_response(found)


class FlagRead(FhirView):
    def get(self, request, pk):
        alert = Alert.objects.filter(clinic_id=clinic_id_of(request.user), pk=as_id(pk)).first()
        if alert is None:
            raise not_found("Flag", pk)
        return fhir_response(flag_resource(alert))


class BundleView(FhirView):
    """POST a batch or transaction Bundle of Observations."""

    def post(self, request):
        bundle = read_json(request.body)
        kind, answers = bundle_file(actor=request.user, clinic=request.user.clinic, bundle=bundle)
        full = request.headers.get("Prefer", "") == "return=representation"
        base = self.base_url()
        entries = []
        for answer in answers:
            if answer.error is not None:
                entries.append({"response": {"status": str(answer.status), "outcome": answer.error.outcome()}})
                continue
            entry = {"response": {"status": "201 Created" if answer.status == 201 else "200 OK",
                                  "location": f"Observation/{answer.record.pk}"}}
            if full:
                entry["fullUrl"] = f"{base}/Observation/{answer.record.pk}"
                entry["resource"] = observation_resource(_lab_results(request.user).get(pk=answer.record.pk))
            entries.append(entry)
        return fhir_response(validated(Bundle, {"resourceType": "Bundle", "type": kind, "entry": entries}))
