import pytest
import time_machine
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient as FhirPatient

from interop.fhir.common import mrn_system
from interop.fhir.everything import patient_everything
from tests.helpers import doses, enroll, record, schedule

pytestmark = pytest.mark.django_db
NOW = "2026-02-20 12:00Z"


def lab(client, patient, test, value, unit, when):
    response = client.post("/api/v1/lab-results/", {"patient": patient.id, "test": test, "value": value, "unit": unit,
                                                    "collected_at": when}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def history(as_cara, as_nina, patient):
    """Pat on B12 then iron: baseline labs, loading doses given, one missed and one declined, an alert."""
    with time_machine.travel(NOW, tick=False):
        enrollment = enroll(as_cara, patient, "b12-then-iron", "2026-01-05")
        lab(as_nina, patient, "hb", 9.5, "g/dL", "2026-01-05T08:00:00Z")
        lab(as_nina, patient, "b12", 90, "pmol/L", "2026-01-05T08:00:00Z")
        lab(as_nina, patient, "ferritin", 12, "ug/L", "2026-01-05T08:00:00Z")
        loading = doses(schedule(as_cara, enrollment["id"]), "loading")
        assert record(as_nina, loading[0], "given", "2026-01-05T10:00:00Z",
                      dose_mg=1, route="IM", site="deltoid-left", lot_number="LOT-1").status_code == 201
        assert record(as_nina, loading[1], "missed", "2026-01-07T17:00:00Z").status_code == 201
        loading = [e for e in doses(schedule(as_cara, enrollment["id"]), "loading") if e["status"] != "missed"]
        assert record(as_nina, loading[1], "declined", "2026-01-09T10:00:00Z").status_code == 201
    return enrollment


def fhir_get(client, path, status=200):
    response = client.get(f"/fhir/r4/{path}")
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    return response.json()


def test_metadata_is_a_capability_statement_open_to_anyone(client):
    body = fhir_get(client, "metadata")
    CapabilityStatement.model_validate(body)
    kinds = {r["type"] for r in body["rest"][0]["resource"]}
    assert {"Patient", "Observation", "MedicationAdministration", "CarePlan"} <= kinds


def test_a_patient_is_read_with_the_clinics_mrn_identifier(as_nina, patient):
    body = fhir_get(as_nina, f"Patient/{patient.id}")
    FhirPatient.model_validate(body)
    assert body["identifier"][0] == {**body["identifier"][0], "system": mrn_system(patient.clinic), "value": "R0001"}
    assert body["birthDate"] == patient.date_of_birth.isoformat() and body["gender"] == "female"


def test_a_patient_is_found_by_identifier_with_or_without_the_system(as_nina, patient):
    system = mrn_system(patient.clinic)
    for token in (f"{system}|R0001", "R0001"):
        bundle = fhir_get(as_nina, f"Patient?identifier={token}")
        assert bundle["total"] == 1 and bundle["entry"][0]["resource"]["id"] == str(patient.id)
    assert fhir_get(as_nina, "Patient?identifier=https://elsewhere|R0001")["total"] == 0


def test_another_clinics_patient_is_not_found_with_an_operation_outcome(as_otto, patient):
    for path in (f"Patient/{patient.id}", f"Patient/{patient.id}/$everything"):
        body = fhir_get(as_otto, path, status=404)
        OperationOutcome.model_validate(body)
        assert body["issue"][0]["code"] == "not-found"
    assert fhir_get(as_otto, "Patient?identifier=R0001")["total"] == 0
    assert fhir_get(as_otto, f"Observation?patient={patient.id}")["total"] == 0


def test_reading_needs_authentication(client, patient):
    response = client.get(f"/fhir/r4/Patient/{patient.id}")
    assert response.status_code == 401
    OperationOutcome.model_validate(response.json())


def references_in(data):
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from references_in(value)
    elif isinstance(data, list):
        for value in data:
            yield from references_in(value)


def test_everything_is_a_valid_bundle_whose_references_all_resolve(as_nina, patient, history):
    with time_machine.travel(NOW, tick=False):
        bundle = fhir_get(as_nina, f"Patient/{patient.id}/$everything")
    Bundle.model_validate(bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds[0] == "Patient"
    assert {"CarePlan", "MedicationRequest", "MedicationAdministration", "Observation", "Flag"} <= set(kinds)
    present = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]}
    references = {r for r in references_in(bundle) if not r.startswith("#")}
    assert references and references <= present
    assert all(e["fullUrl"].endswith(f"/fhir/r4/{e['resource']['resourceType']}/{e['resource']['id']}")
               for e in bundle["entry"])


def test_everything_can_be_built_without_a_request_for_exports(patient, history):
    with time_machine.travel(NOW, tick=False):
        bundle = patient_everything(patient, base_url="https://clinic.example/fhir/r4")
    Bundle.model_validate(bundle)
    assert bundle["entry"][0]["fullUrl"] == f"https://clinic.example/fhir/r4/Patient/{patient.id}"


def entries(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_dose_rules_are_medication_requests_with_fhir_timing_based_on_the_care_plan(as_nina, patient, history):
    with time_machine.travel(NOW, tick=False):
        bundle = fhir_get(as_nina, f"Patient/{patient.id}/$everything")
    requests = {r["id"]: r for r in entries(bundle, "MedicationRequest")}
    care_plan = entries(bundle, "CarePlan")[0]
    loading = requests[f"{history['id']}-loading"]
    repeat = loading["dosageInstruction"][0]["timing"]["repeat"]
    assert (repeat["frequency"], repeat["period"], repeat["periodUnit"]) == (3, 1, "wk")
    assert repeat["dayOfWeek"] == ["mon", "wed", "fri"] and repeat["count"] == 6
    assert loading["basedOn"] == [{"reference": f"CarePlan/{care_plan['id']}"}]
    maintenance = requests[f"{history['id']}-maintenance"]["dosageInstruction"][0]["timing"]["repeat"]
    assert (maintenance["period"], maintenance["periodUnit"]) == (3, "mo")
    iron = requests[f"{history['id']}-treatment"]
    iron_repeat = iron["dosageInstruction"][0]["timing"]["repeat"]
    assert (iron_repeat["frequency"], iron_repeat["period"], iron_repeat["periodUnit"]) == (1, 1, "d")
    assert iron_repeat["timeOfDay"] == ["08:00:00"]
    starts_after = iron["extension"][0]
    parts = {e["url"]: e for e in starts_after["extension"]}
    assert parts["relation"]["valueCode"] == "after-end"
    assert parts["target"]["valueReference"] == {"reference": f"MedicationRequest/{history['id']}-loading"}
    assert parts["offset"]["valueDuration"]["value"] == 1
    assert iron["priorPrescription"] == {"reference": f"MedicationRequest/{history['id']}-loading"}
    activity_refs = {a["reference"]["reference"] for a in care_plan["activity"] if "reference" in a}
    assert activity_refs == {f"MedicationRequest/{i}" for i in requests}


def test_missed_and_declined_doses_are_not_done_with_a_reason(as_nina, patient, history):
    bundle = fhir_get(as_nina, f"MedicationAdministration?patient={patient.id}")
    Bundle.model_validate(bundle)
    by_status = {}
    for resource in (e["resource"] for e in bundle["entry"]):
        by_status.setdefault(resource["status"], []).append(resource)
    assert len(by_status["completed"]) == 1 and len(by_status["not-done"]) == 2
    reasons = {r["statusReason"][0]["coding"][0]["code"] for r in by_status["not-done"]}
    assert reasons == {"missed", "declined"}
    given = by_status["completed"][0]
    assert given["contained"][0]["batch"]["lotNumber"] == "LOT-1"
    assert given["dosage"]["dose"]["value"] == 1 and given["dosage"]["route"]["coding"][0]["code"] == "78421000"


def test_labs_are_observations_with_loinc_and_the_converted_ucum_value_keeping_the_value_as_received(
        as_nina, patient, history):
    bundle = fhir_get(as_nina, f"Observation?patient={patient.id}&code=http://loinc.org|2132-9")
    assert bundle["total"] == 1
    b12 = bundle["entry"][0]["resource"]
    assert b12["code"]["coding"][0] == {"system": "http://loinc.org", "code": "2132-9", "display": "Vitamin B12"}
    assert b12["valueQuantity"] == {"value": pytest.approx(121.986), "unit": "ng/L",
                                    "system": "http://unitsofmeasure.org", "code": "ng/L"}
    received = {e["url"]: e for e in b12["extension"][0]["extension"]}
    assert received["value"]["valueQuantity"]["value"] == 90 and received["value"]["valueQuantity"]["code"] == "pmol/L"
    assert received["code"]["valueCoding"]["code"] == "14685-2"


def test_searchsets_are_paged_with_next_links(as_nina, patient, history):
    first = fhir_get(as_nina, f"Observation?patient={patient.id}&_count=2")
    assert first["total"] == 3 and len(first["entry"]) == 2
    following = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = fhir_get(as_nina, following.split("/fhir/r4/")[1])
    assert len(second["entry"]) == 1
    ids = {e["resource"]["id"] for e in first["entry"] + second["entry"]}
    assert len(ids) == 3


def test_care_plans_and_their_requests_are_readable_on_their_own(as_nina, as_otto, patient, history):
    with time_machine.travel(NOW, tick=False):
        plans = fhir_get(as_nina, f"CarePlan?patient={patient.id}")
        assert plans["total"] == 1
        CarePlan.model_validate(fhir_get(as_nina, f"CarePlan/{history['id']}"))
        MedicationRequest.model_validate(fhir_get(as_nina, f"MedicationRequest/{history['id']}-loading"))
        fhir_get(as_otto, f"CarePlan/{history['id']}", status=404)
        fhir_get(as_otto, f"MedicationRequest/{history['id']}-loading", status=404)


@pytest.mark.parametrize("path", ["Patient/99999999999999999999999", "Patient/99999999999999999999999/$everything",
                                  "Observation/99999999999999999999999", "MedicationRequest/99999999999999999999999-x",
                                  "Observation?patient=99999999999999999999999", "Patient?_id=99999999999999999999999",
                                  "Flag/99999999999999999999999", "CarePlan/99999999999999999999999"])
def test_ids_beyond_any_record_are_answered_never_an_error_page(as_nina, path):
    response = as_nina.get(f"/fhir/r4/{path}")
    assert response.status_code in (200, 400, 404)
    assert response.json()["resourceType"] in ("OperationOutcome", "Bundle")


def test_observation_searchsets_read_a_flat_number_of_queries(as_nina, patient, django_assert_max_num_queries):
    from patients.models import LabResult

    LabResult.objects.bulk_create([LabResult(clinic=patient.clinic, patient=patient, code="hb", loinc="718-7", value=100 + n,
                                             unit="g/L", normalized_value=100 + n, normalized_unit="g/L",
                                             collected_at=f"2025-01-{n + 1:02d}T09:00:00Z") for n in range(25)])
    with django_assert_max_num_queries(6):
        bundle = fhir_get(as_nina, f"Observation?patient={patient.id}")
    assert bundle["total"] == 25
