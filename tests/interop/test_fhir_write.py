import json

import pytest
import time_machine
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.operationoutcome import OperationOutcome

from alerts.models import Alert
from interop.fhir.common import EXT_CONFIRMED_UNUSUAL, mrn_system
from patients.models import LabResult
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db
NOW = "2026-01-06 12:00Z"


def observation(subject: str, loinc: str, value, unit: str, *, when="2026-01-05T09:00:00Z", identifier=None,
                status="final", **extra) -> dict:
    body = {
        "resourceType": "Observation", "status": status,
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
        "subject": {"reference": subject}, "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit},
        **extra,
    }
    if identifier:
        body["identifier"] = [{"system": "https://lab.example/accession", "value": identifier}]
    return body


def post(client, body, path="Observation", headers=None):
    return client.post(f"/fhir/r4/{path}", data=json.dumps(body), content_type="application/fhir+json",
                       headers=headers or {})


def outcome(response) -> dict:
    body = response.json()
    OperationOutcome.model_validate(body)
    return body


@time_machine.travel(NOW, tick=False)
def test_an_observation_in_g_per_dl_is_filed_and_answered_as_stored(as_nina, patient):
    response = post(as_nina, observation(f"Patient/{patient.id}", "718-7", 10.4, "g/dL", identifier="ACC-1"))
    assert response.status_code == 201, response.json()
    body = response.json()
    Observation.model_validate(body)
    assert body["valueQuantity"]["value"] == 104 and body["valueQuantity"]["code"] == "g/L"
    assert body["identifier"] == [{"system": "https://lab.example/accession", "value": "ACC-1"}]
    assert response["Location"].endswith(f"/fhir/r4/Observation/{body['id']}")
    result = LabResult.objects.get(patient=patient)
    assert (result.code, float(result.normalized_value), result.recorded_by.username) == ("hb", 104, "nina")


@time_machine.travel(NOW, tick=False)
def test_a_b12_in_pmol_per_l_is_converted(as_nina, patient):
    response = post(as_nina, observation(f"Patient/{patient.id}", "14685-2", 150, "pmol/L"))
    assert response.status_code == 201
    assert response.json()["valueQuantity"] == {"value": pytest.approx(203.31), "unit": "ng/L",
                                                "system": "http://unitsofmeasure.org", "code": "ng/L"}


@time_machine.travel(NOW, tick=False)
def test_the_subject_may_be_a_conditional_reference_by_mrn(as_nina, patient):
    system = mrn_system(patient.clinic)
    response = post(as_nina, observation(f"Patient?identifier={system}|R0001", "718-7", 104, "g/L"))
    assert response.status_code == 201, response.json()


@time_machine.travel(NOW, tick=False)
def test_an_unknown_mrn_is_not_found(as_nina, patient):
    response = post(as_nina, observation("Patient?identifier=NOPE", "718-7", 104, "g/L"))
    assert response.status_code == 404
    assert "NOPE" in outcome(response)["issue"][0]["diagnostics"]


@time_machine.travel(NOW, tick=False)
def test_another_clinics_patient_is_refused(as_otto, patient):
    response = post(as_otto, observation(f"Patient/{patient.id}", "718-7", 104, "g/L"))
    assert response.status_code == 404
    assert outcome(response)["issue"][0]["expression"] == ["Observation.subject"]
    assert not LabResult.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_an_unknown_code_or_unit_names_the_element(as_nina, patient):
    response = post(as_nina, observation(f"Patient/{patient.id}", "2951-2", 140, "mmol/L"))
    assert response.status_code == 422
    assert outcome(response)["issue"][0]["expression"] == ["Observation.code"]
    response = post(as_nina, observation(f"Patient/{patient.id}", "718-7", 10, "mg/dL"))
    assert response.status_code == 422
    assert outcome(response)["issue"][0]["expression"] == ["Observation.valueQuantity.code"]
    assert not LabResult.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_an_invalid_resource_is_a_400_naming_the_element(as_nina, patient):
    response = post(as_nina, observation(f"Patient/{patient.id}", "718-7", 104, "g/L", when="yesterday"))
    assert response.status_code == 400
    assert outcome(response)["issue"][0]["expression"] == ["Observation.effectiveDateTime"]


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b"{" * 5000 + b"}" * 5000,
                                  b'{"resourceType": "Observation", "status": "final\\u0000"}',
                                  b'{"resourceType": "Observation", "identifier": [{"value": "\\ud800"}]}',
                                  b'{"resourceType": "Observation", "status": "final\x00"}',
                                  json.dumps({"a": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}).encode()])
def test_bodies_that_are_not_a_resource_are_refused_with_an_outcome(as_nina, body):
    response = as_nina.post("/fhir/r4/Observation", data=body, content_type="application/fhir+json")
    assert response.status_code == 400
    outcome(response)


@time_machine.travel(NOW, tick=False)
def test_resending_the_same_identifier_creates_nothing(as_nina, patient):
    body = observation(f"Patient/{patient.id}", "718-7", 104, "g/L", identifier="ACC-2")
    first, again = post(as_nina, body), post(as_nina, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert LabResult.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_different_value_under_the_same_identifier_is_a_conflict_unless_corrected(as_nina, patient):
    post(as_nina, observation(f"Patient/{patient.id}", "718-7", 104, "g/L", identifier="ACC-3"))
    response = post(as_nina, observation(f"Patient/{patient.id}", "718-7", 110, "g/L", identifier="ACC-3"))
    assert response.status_code == 409
    assert "correct" in outcome(response)["issue"][0]["diagnostics"]
    assert LabResult.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_corrected_observation_marks_the_earlier_one_entered_in_error(as_nina, patient):
    first = post(as_nina, observation(f"Patient/{patient.id}", "718-7", 104, "g/L", identifier="ACC-4")).json()
    response = post(as_nina, observation(f"Patient/{patient.id}", "718-7", 114, "g/L", identifier="ACC-4",
                                         status="corrected"))
    assert response.status_code == 201
    earlier = as_nina.get(f"/fhir/r4/Observation/{first['id']}").json()
    assert earlier["status"] == "entered-in-error"
    assert LabResult.objects.get(entered_in_error=False).normalized_value == 114


@time_machine.travel(NOW, tick=False)
def test_an_entered_in_error_observation_withdraws_the_result(as_nina, patient):
    post(as_nina, observation(f"Patient/{patient.id}", "718-7", 104, "g/L", identifier="ACC-5"))
    response = post(as_nina, observation(f"Patient/{patient.id}", "718-7", 104, "g/L", identifier="ACC-5",
                                         status="entered-in-error"))
    assert response.status_code == 200 and response.json()["status"] == "entered-in-error"
    assert LabResult.objects.get().entered_in_error


@time_machine.travel(NOW, tick=False)
def test_an_unusual_value_is_refused_naming_the_value_and_the_probable_unit(as_nina, patient):
    response = post(as_nina, observation(f"Patient/{patient.id}", "718-7", 10.4, "g/L"))
    assert response.status_code == 422
    text = outcome(response)["issue"][0]["diagnostics"]
    assert "10.4 g/L" in text and "g/dL" in text
    assert not LabResult.objects.exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("confirmation", [
    {"interpretation": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                                     "code": "LL"}]}]},
    {"extension": [{"url": EXT_CONFIRMED_UNUSUAL, "valueBoolean": True}]},
])
def test_the_sender_confirms_an_unusual_value(as_nina, patient, confirmation):
    response = post(as_nina, observation(f"Patient/{patient.id}", "718-7", 25, "g/L", **confirmation))
    assert response.status_code == 201, response.json()
    assert LabResult.objects.get().confirmed_unusual


@time_machine.travel(NOW, tick=False)
def test_a_preliminary_result_is_not_filed(as_nina, patient):
    response = post(as_nina, observation(f"Patient/{patient.id}", "718-7", 104, "g/L", status="preliminary"))
    assert response.status_code == 422
    assert outcome(response)["issue"][0]["expression"] == ["Observation.status"]


def bundle(kind, *resources):
    return {"resourceType": "Bundle", "type": kind,
            "entry": [{"resource": r, "request": {"method": "POST", "url": "Observation"}} for r in resources]}


@time_machine.travel(NOW, tick=False)
def test_a_batch_files_each_entry_on_its_own_and_answers_per_entry(as_nina, patient):
    response = post(as_nina, bundle("batch",
                                    observation(f"Patient/{patient.id}", "718-7", 104, "g/L"),
                                    observation(f"Patient/{patient.id}", "718-7", 104, "furlongs"),
                                    observation(f"Patient/{patient.id}", "2276-4", 12, "ug/L")), path="")
    assert response.status_code == 200
    body = response.json()
    Bundle.model_validate(body)
    assert body["type"] == "batch-response"
    assert [e["response"]["status"][:3] for e in body["entry"]] == ["201", "422", "201"]
    issue = body["entry"][1]["response"]["outcome"]["issue"][0]
    assert issue["expression"] == ["Bundle.entry[1].resource.valueQuantity.code"]
    assert LabResult.objects.count() == 2


@time_machine.travel(NOW, tick=False)
def test_a_transaction_saves_all_or_nothing_naming_every_failing_entry(as_nina, patient):
    response = post(as_nina, bundle("transaction",
                                    observation(f"Patient/{patient.id}", "718-7", 104, "g/L"),
                                    observation(f"Patient/{patient.id}", "718-7", 104, "furlongs"),
                                    observation("Patient/999999", "2276-4", 12, "ug/L")), path="")
    assert response.status_code in (404, 422)
    expressions = [i["expression"][0] for i in outcome(response)["issue"]]
    assert expressions == ["Bundle.entry[1].resource.valueQuantity.code", "Bundle.entry[2].resource.subject"]
    assert not LabResult.objects.exists()
    response = post(as_nina, bundle("transaction", observation(f"Patient/{patient.id}", "718-7", 104, "g/L")), path="",
                    headers={"Prefer": "return=representation"})
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "transaction-response"
    assert body["entry"][0]["resource"]["valueQuantity"]["value"] == 104


def test_a_bundle_over_the_entry_limit_is_refused_unread(as_nina, patient):
    response = post(as_nina, {"resourceType": "Bundle", "type": "batch", "entry": [{}] * 1001}, path="")
    assert response.status_code == 413
    assert "1000" in outcome(response)["issue"][0]["diagnostics"]


def test_an_admin_may_not_file_results(adam, patient):
    from tests.conftest import api_client_for

    response = post(api_client_for(adam), observation(f"Patient/{patient.id}", "718-7", 104, "g/L"))
    assert response.status_code == 403
    outcome(response)


@time_machine.travel("2026-02-01 12:00Z", tick=False)
def test_observations_drive_the_same_plans_and_alerts_as_typed_results(as_cara, as_nina, clinic):
    from tests.helpers import enroll, schedule

    typed, sent = (PatientFactory(clinic=clinic, mrn=mrn, date_of_birth="1950-01-01") for mrn in ("T1", "S1"))
    plans = {p.mrn: enroll(as_cara, p, "iron-oral-daily", "2026-01-05") for p in (typed, sent)}
    for when, hb in (("2026-01-05T09:00:00Z", 95), ("2026-01-30T09:00:00Z", 100)):
        response = as_nina.post("/api/v1/lab-results/", {"patient": typed.id, "test": "hb", "value": hb, "unit": "g/L",
                                                         "collected_at": when}, format="json")
        assert response.status_code == 201
        assert post(as_nina, observation(f"Patient/{sent.id}", "718-7", hb, "g/L", when=when)).status_code == 201
    alerts = {p.mrn: sorted(Alert.objects.filter(patient=p).values_list("code", flat=True)) for p in (typed, sent)}
    assert "iron-inadequate-response" in alerts["T1"] and alerts["S1"] == alerts["T1"]
    statuses = {mrn: [(e["code"], e["status"]) for e in schedule(as_cara, plan["id"]) if e["kind"] == "lab"]
                for mrn, plan in plans.items()}
    assert statuses["S1"] == statuses["T1"]


@time_machine.travel(NOW, tick=False)
def test_an_identifier_clash_with_a_concurrent_request_is_filed_again_never_an_error_page(
        as_nina, patient, monkeypatch):
    from django.db import IntegrityError

    from interop.fhir import inbound

    body = observation(f"Patient/{patient.id}", "718-7", 104, "g/L", identifier="RACE-1")
    real = inbound.external_result_file
    calls = []

    def other_request_first(**kwargs):
        calls.append(1)
        if len(calls) == 1:  # the other request files it just before this one inserts its identifier
            real(**kwargs)
            raise IntegrityError("duplicate key value violates unique constraint")
        return real(**kwargs)

    monkeypatch.setattr(inbound, "external_result_file", other_request_first)
    response = post(as_nina, body)
    assert response.status_code in (200, 201), response.json()
    assert LabResult.objects.count() == 1
