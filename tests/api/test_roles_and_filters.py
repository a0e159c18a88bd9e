"""Roles and filters: clinic administrators manage staff and settings, never clinical data; a filter naming
another clinic's id answers exactly like one naming an id that does not exist."""

import pytest
import time_machine

from tests.conftest import api_client_for
from tests.factories import PatientFactory
from tests.helpers import doses, enroll, give, record, schedule

NOW = "2026-01-06 12:00Z"


@pytest.fixture
def as_adam(adam):
    return api_client_for(adam)


@pytest.fixture
def riverside(as_cara, patient):
    with time_machine.travel("2026-01-05 12:00Z", tick=False):
        enrollment = enroll(as_cara, patient, "b12-im-standard", "2026-01-05")
        event = doses(schedule(as_cara, enrollment["id"]), "loading")[0]
        administration = give(as_cara, event, "2026-01-05T10:00:00Z")
    return {"patient": patient.id, "enrollment": enrollment["id"], "event": event["id"],
            "administration": administration["id"]}


@pytest.fixture
def hillside(as_otto, other_clinic):
    patient = PatientFactory(clinic=other_clinic, mrn="H0001", timezone="America/New_York")
    with time_machine.travel("2026-01-05 15:00Z", tick=False):
        enrollment = enroll(as_otto, patient, "b12-im-standard", "2026-01-05")
        event = doses(schedule(as_otto, enrollment["id"]), "loading")[0]
    return {"patient": patient.id, "enrollment": enrollment["id"], "event": event["id"]}


CLINICAL_READS = [
    "/api/v1/patients/", "/api/v1/patients/{patient}/", "/api/v1/enrollments/", "/api/v1/enrollments/{enrollment}/",
    "/api/v1/enrollments/{enrollment}/schedule/", "/api/v1/events/", "/api/v1/events/{event}/",
    "/api/v1/administrations/", "/api/v1/administrations/{administration}/", "/api/v1/lab-results/",
    "/api/v1/alerts/", "/api/v1/patients/{patient}/reminders/", "/api/v1/patients/{patient}/reminder-preferences/",
]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("path", CLINICAL_READS)
def test_a_clinic_administrator_reads_no_clinical_data(as_adam, riverside, path):
    response = as_adam.get(path.format(**riverside))
    assert response.status_code == 403
    assert "clinical data is for clinicians and nurses" in response.json()["detail"]
    assert "Jones" not in response.content.decode()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("path, body", [
    ("/api/v1/patients/", {"mrn": "X1", "given_name": "A", "family_name": "B", "date_of_birth": "1970-01-01",
                           "sex": "male"}),
    ("/api/v1/patients/{patient}/reminder-preferences/opt-out/", {"channel": "sms"}),
    ("/api/v1/lab-results/", {"patient": "{patient}", "test": "hb", "value": 100, "unit": "g/L",
                              "collected_at": "2026-01-06T09:00:00Z"}),
])
def test_a_clinic_administrator_writes_no_clinical_data(as_adam, riverside, path, body):
    body = {k: riverside["patient"] if v == "{patient}" else v for k, v in body.items()}
    response = as_adam.post(path.format(**riverside), body, format="json")
    assert response.status_code == 403


@time_machine.travel(NOW, tick=False)
def test_a_clinic_administrator_manages_the_clinic_settings_and_reads_the_protocols(as_adam):
    assert as_adam.get("/api/v1/protocols/").status_code == 200
    response = as_adam.patch("/api/v1/reminder-settings/", {"worklist_time": "06:30"}, format="json")
    assert response.status_code == 200 and response.json()["worklist_time"] == "06:30:00"


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("path, name, key", [
    ("/api/v1/enrollments/", "patient", "patient"),
    ("/api/v1/alerts/", "patient", "patient"),
    ("/api/v1/events/", "patient", "patient"),
    ("/api/v1/events/", "enrollment", "enrollment"),
    ("/api/v1/administrations/", "patient", "patient"),
    ("/api/v1/administrations/", "event", "event"),
    ("/api/v1/lab-results/", "patient", "patient"),
])
def test_a_filter_naming_another_clinics_id_answers_like_a_missing_one(as_cara, riverside, hillside, path, name,
                                                                        key):
    elsewhere = as_cara.get(path, {name: hillside[key]})
    missing = as_cara.get(path, {name: 987654})
    assert elsewhere.status_code == missing.status_code == 400
    assert elsewhere.json()[name] == missing.json()[name]
    own = as_cara.get(path, {name: riverside[key]})
    assert own.status_code == 200


@time_machine.travel("2026-01-05 12:00Z", tick=False)
def test_a_home_dose_cannot_be_recorded_taken_before_its_day(as_cara, patient):
    enrollment = enroll(as_cara, patient, "iron-oral-daily", "2026-01-05")
    later = doses(schedule(as_cara, enrollment["id"]), "treatment")[7]
    response = record(as_cara, later, "given", "2026-01-05T09:00:00Z", note="taken")
    assert response.status_code == 400
    assert "is due on Mon 12 Jan 2026" in response.json()["occurred_at"]
    today = doses(schedule(as_cara, enrollment["id"]), "treatment")[0]
    assert record(as_cara, today, "given", "2026-01-05T09:00:00Z", note="taken").status_code == 201


@time_machine.travel("2026-01-05 12:00Z", tick=False)
def test_a_dose_can_be_declined_in_advance(as_cara, patient):
    enrollment = enroll(as_cara, patient, "iron-oral-daily", "2026-01-05")
    later = doses(schedule(as_cara, enrollment["id"]), "treatment")[7]
    assert record(as_cara, later, "declined", "2026-01-05T09:00:00Z").status_code == 201
