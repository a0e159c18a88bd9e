"""Bad input gets a 400 naming the field and the reason, and nothing is saved."""

import pytest
import time_machine

from patients.models import Administration, Enrollment, LabResult, Patient
from tests.helpers import doses, enroll, record, schedule

NOW = "2026-01-05 12:00Z"


def counts():
    return (Patient.objects.count(), Enrollment.objects.count(), Administration.objects.count(),
            LabResult.objects.count())


@pytest.fixture
def b12_enrollment(as_cara, patient):
    with time_machine.travel(NOW, tick=False):
        return enroll(as_cara, patient, "b12-im-standard", "2026-01-05")


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("body, field", [
    ({"start_date": "2026-02-30"}, "start_date"),
    ({"start_date": "05/01/2026"}, "start_date"),
    ({"protocol": "b12-im-turbo"}, "protocol"),
    ({"options": {"maintenance_interval_months": 6}}, "options"),
    ({"options": {"iron_salt": "ferrous fumarate"}}, "options"),
    ({"options": {"colour": "blue"}}, "options"),
])
def test_a_bad_enrollment_is_refused_and_nothing_saved(as_cara, patient, body, field):
    before = counts()
    data = {"patient": patient.id, "protocol": "iron-oral-daily", "start_date": "2026-01-05", **body}
    response = as_cara.post("/api/v1/enrollments/", data, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert counts() == before


@time_machine.travel(NOW, tick=False)
def test_an_iron_salt_without_a_product_is_refused_as_ambiguous(as_cara, patient):
    response = as_cara.post("/api/v1/enrollments/", {"patient": patient.id, "protocol": "iron-oral-daily",
                                                     "start_date": "2026-01-05",
                                                     "options": {"iron_salt": "ferrous-fumarate"}}, format="json")
    assert response.status_code == 400
    assert "ambiguous" in response.json()["options"]


@time_machine.travel(NOW, tick=False)
def test_a_named_iron_product_sets_the_dose(as_cara, patient):
    enrollment = enroll(as_cara, patient, "iron-oral-daily", "2026-01-05",
                        options={"iron_product": "ferrous-fumarate-322"})
    first = doses(schedule(as_cara, enrollment["id"]), "treatment")[0]
    assert (first["code"], first["dose_mg"]) == ("ferrous-fumarate", 322.0)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("body, field", [
    ({"date_of_birth": "1990-02-29"}, "date_of_birth"),
    ({"sex": "f"}, "sex"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"phone": "0770 090"}, "phone"),
    ({"phone": "+44 7700 900123 " + "9" * 40}, "phone"),
    ({"preferred_dose_time": "25:00"}, "preferred_dose_time"),
    ({"mrn": "R0001"}, "mrn"),
])
def test_a_bad_patient_is_refused(as_cara, patient, body, field):
    before = counts()
    data = {"mrn": "R0002", "given_name": "Ann", "family_name": "Lee", "date_of_birth": "1980-01-01", "sex": "female",
            **body}
    response = as_cara.post("/api/v1/patients/", data, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert counts() == before


@time_machine.travel(NOW, tick=False)
def test_a_patient_gets_the_clinic_defaults(as_cara, clinic):
    response = as_cara.post("/api/v1/patients/", {"mrn": "R0009", "given_name": "Ann", "family_name": "Lee",
                                                  "date_of_birth": "1980-01-01", "sex": "female"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["timezone"], body["preferred_dose_time"], body["reminders_opt_in"]) == ("Europe/London", "08:00", True)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("occurred_at, details, field", [
    ("2026-01-06T10:00:00Z", {}, "occurred_at"),  # in the future
    ("2026-01-05T10:00:00", {}, "occurred_at"),  # no offset
    ("2026-01-05T10:00:00Z", {"route": "IV"}, "route"),
    ("2026-01-05T10:00:00Z", {"dose_mg": 1000}, "dose_mg"),
    ("2026-01-05T10:00:00Z", {"site": "nose"}, "site"),
    ("2026-01-05T10:00:00Z", {"lot_number": ""}, "lot_number"),
])
def test_a_bad_administration_is_refused(as_cara, b12_enrollment, occurred_at, details, field):
    event = doses(schedule(as_cara, b12_enrollment["id"]), "loading")[0]
    before = counts()
    body = {"dose_mg": 1, "route": "IM", "site": "deltoid-left", "lot_number": "L1", **details}
    response = record(as_cara, event, "given", occurred_at, **body)
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert counts() == before
    assert doses(schedule(as_cara, b12_enrollment["id"]), "loading")[0]["status"] == "planned"


@time_machine.travel(NOW, tick=False)
def test_an_outcome_for_a_lab_event_is_refused(as_cara, b12_enrollment):
    baseline = next(e for e in schedule(as_cara, b12_enrollment["id"]) if e["code"] == "baseline")
    response = record(as_cara, baseline, "missed", "2026-01-05T10:00:00Z")
    assert response.status_code == 400
    assert "dose" in response.json()["event"]


@time_machine.travel(NOW, tick=False)
def test_a_dose_cannot_be_recorded_twice(as_cara, b12_enrollment):
    event = doses(schedule(as_cara, b12_enrollment["id"]), "loading")[0]
    assert record(as_cara, event, "given", "2026-01-05T10:00:00Z").status_code == 201
    second = record(as_cara, event, "missed", "2026-01-05T11:00:00Z")
    assert second.status_code == 400
    assert "entered-in-error" in second.json()["event"]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("body, field", [
    ({"test": "vitamin-z"}, "test"),
    ({"unit": "furlongs"}, "unit"),
    ({"value": 0}, "value"),
    ({"value": 260}, "value"),
    ({"value": "lots"}, "value"),
    ({"collected_at": "2026-01-06T09:00:00Z"}, "collected_at"),
    ({"collected_at": "2026-13-01T09:00:00Z"}, "collected_at"),
])
def test_a_bad_lab_result_is_refused(as_cara, patient, body, field):
    before = counts()
    data = {"patient": patient.id, "test": "hb", "value": 112, "unit": "g/L", "collected_at": "2026-01-05T09:00:00Z",
            **body}
    response = as_cara.post("/api/v1/lab-results/", data, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert counts() == before


@time_machine.travel(NOW, tick=False)
def test_a_negative_ferritin_is_refused(as_cara, patient):
    response = as_cara.post("/api/v1/lab-results/", {"patient": patient.id, "test": "ferritin", "value": -3,
                                                     "unit": "ug/L", "collected_at": "2026-01-05T09:00:00Z"},
                            format="json")
    assert response.status_code == 400
    assert "plausible" in response.json()["value"]
