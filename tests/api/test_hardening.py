"""No input answers 5xx: over-long text, instants and dates out of range, numbers that do not fit, deep or
large JSON. Each is a 400 (or 413) naming what is wrong, and nothing is saved."""

import json

import pytest
import time_machine

from patients.models import Administration, Enrollment, LabResult, Patient
from tests.helpers import INJECTION, doses, enroll, record, schedule

NOW = "2026-01-05 12:00Z"


def counts():
    return (Patient.objects.count(), Enrollment.objects.count(), Administration.objects.count(),
            LabResult.objects.count())


@pytest.fixture
def loading_dose(as_cara, patient):
    with time_machine.travel(NOW, tick=False):
        enrollment = enroll(as_cara, patient, "b12-im-standard", "2026-01-05")
        return doses(schedule(as_cara, enrollment["id"]), "loading")[0]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("details, field", [
    ({"lot_number": "L" * 65}, "lot_number"),
    ({"performed_by": "P" * 201}, "performed_by"),
    ({"site": "S" * 21}, "site"),
    ({"site": "elbow"}, "site"),
    ({"route": "IM" * 6}, "route"),
    ({"note": "n" * 2001}, "note"),
    ({"lot_number": "LOT\x07"}, "lot_number"),
    ({"dose_mg": 1e308}, "dose_mg"),
    ({"dose_mg": "1e999999"}, "dose_mg"),
])
def test_an_administration_with_an_input_that_does_not_fit_is_refused(as_cara, loading_dose, details, field):
    before = counts()
    response = record(as_cara, loading_dose, "given", "2026-01-05T10:00:00Z", **{**INJECTION, **details})
    assert response.status_code == 400, response.content[:300]
    assert field in response.json()
    assert counts() == before


@time_machine.travel(NOW, tick=False)
def test_an_idempotency_key_longer_than_its_column_is_refused(as_cara, loading_dose):
    response = record(as_cara, loading_dose, "given", "2026-01-05T10:00:00Z", headers={"Idempotency-Key": "k" * 256})
    assert response.status_code == 400
    assert "at most 255" in response.json()["Idempotency-Key"]
    assert Administration.objects.count() == 0


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("occurred_at, words", [
    ("9999-12-31T23:59:59-23:59", "after 2100"),
    ("0001-01-01T00:00:00+23:59", "before 1900"),
    ("1899-12-31T12:00:00Z", "before 1900"),
    ("1960-05-16T12:00:00Z", "before the patient's date of birth"),
    ("2026-01-05T12:10:00Z", "in the future"),
])
def test_an_administration_time_out_of_range_is_refused(as_cara, loading_dose, occurred_at, words):
    response = record(as_cara, loading_dose, "given", occurred_at)
    assert response.status_code == 400
    error = response.json()["occurred_at"]
    assert words in (error if isinstance(error, str) else " ".join(error))


@pytest.mark.parametrize("start_date, words", [
    ("9999-12-01", "must be between"),
    ("2000-01-01", "must be between"),
    ("2021-01-04", "5 years back"),
    ("2027-01-06", "1 year ahead"),
])
def test_an_enrollment_start_the_engine_cannot_plan_is_refused_with_the_limit(as_cara, patient, start_date, words):
    before = counts()
    with time_machine.travel(NOW, tick=False):
        response = as_cara.post("/api/v1/enrollments/", {"patient": patient.id, "protocol": "iron-oral-daily",
                                                         "start_date": start_date}, format="json")
    assert response.status_code == 400
    assert words in response.json()["start_date"]
    assert "5000" not in response.json()["start_date"]
    assert counts() == before


@time_machine.travel(NOW, tick=False)
def test_the_preview_refuses_the_same_start_dates(as_cara, patient):
    response = as_cara.post("/api/v1/enrollments/preview/", {"patient": patient.id, "protocol": "iron-oral-daily",
                                                             "start_date": "2000-01-01"}, format="json")
    assert response.status_code == 400 and "must be between" in response.json()["start_date"]


@time_machine.travel(NOW, tick=False)
def test_an_enrollment_five_years_back_is_still_planned(as_cara, patient):
    enrollment = enroll(as_cara, patient, "iron-oral-daily", "2021-01-06")
    assert enrollment["start_date"] == "2021-01-06"


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("value", [1e308, "1e999999", "-1e999999", "12345678901", "NaN", "Infinity"])
def test_a_lab_value_that_does_not_fit_is_refused(as_nina, patient, value):
    response = as_nina.post("/api/v1/lab-results/", {"patient": patient.id, "test": "hb", "value": value,
                                                     "unit": "g/L", "collected_at": "2026-01-05T09:00:00Z"},
                            format="json")
    assert response.status_code == 400
    assert "value" in response.json()
    assert LabResult.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_a_lab_value_sent_as_an_enormous_json_number_is_refused(as_nina, patient):
    body = (f'{{"patient": {patient.id}, "test": "hb", "value": 1e999999, "unit": "g/L", '
            '"collected_at": "2026-01-05T09:00:00Z"}')
    response = as_nina.post("/api/v1/lab-results/", body, content_type="application/json")
    assert response.status_code == 400 and "value" in response.json()


@time_machine.travel(NOW, tick=False)
def test_json_nested_100000_levels_deep_is_a_400(as_nina):
    body = "[" * 100_000 + "]" * 100_000
    response = as_nina.post("/api/v1/lab-results/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


@time_machine.travel(NOW, tick=False)
def test_json_nested_beyond_the_limit_is_a_400_even_when_python_could_parse_it(as_nina):
    body = '{"patient": ' + "[" * 50 + "]" * 50 + "}"
    response = as_nina.post("/api/v1/lab-results/", body, content_type="application/json")
    assert response.status_code == 400 and "nested" in response.json()["detail"]


@time_machine.travel(NOW, tick=False)
def test_an_oversize_body_is_a_json_413(as_nina, patient):
    body = json.dumps({"patient": patient.id, "test": "hb", "value": "100", "unit": "g/L",
                       "collected_at": "2026-01-05T09:00:00Z", "padding": "x" * 2_000_000})
    response = as_nina.post("/api/v1/lab-results/", body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "too large" in response.json()["detail"]


@time_machine.travel(NOW, tick=False)
def test_an_oversize_form_body_is_a_json_413_too(as_nina, patient):
    response = as_nina.post("/api/v1/lab-results/", {"test": "hb", "padding": "x" * 2_000_000}, format="multipart")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"


def test_an_unknown_api_path_answers_json(as_nina):
    response = as_nina.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("body, field", [
    ({"date_of_birth": "2099-01-01"}, "date_of_birth"),
    ({"date_of_birth": "2026-01-07"}, "date_of_birth"),
    ({"date_of_birth": "1899-12-31"}, "date_of_birth"),
    ({"given_name": "Ann\x00"}, "given_name"),
    ({"given_name": "Ann\x1b[31m"}, "given_name"),
    ({"family_name": "Lee\u202egnp.exe"}, "family_name"),
    ({"mrn": "R\n0002"}, "mrn"),
    ({"given_name": "A" * 101}, "given_name"),
    ({"timezone": "Europe/" + "x" * 100}, "timezone"),
])
def test_a_patient_with_a_future_birth_date_or_control_characters_is_refused(as_cara, body, field):
    before = counts()
    data = {"mrn": "R0002", "given_name": "Ann", "family_name": "Lee", "date_of_birth": "1980-01-01",
            "sex": "female", **body}
    response = as_cara.post("/api/v1/patients/", data, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert counts() == before


@time_machine.travel(NOW, tick=False)
def test_names_in_any_script_are_accepted(as_cara):
    data = {"mrn": "R0003", "given_name": "Zoë Åsa", "family_name": "Nguyễn-محمدی\u200c", "date_of_birth": "1980-01-01",
            "sex": "female"}
    assert as_cara.post("/api/v1/patients/", data, format="json").status_code == 201


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("path, body", [
    ("/api/v1/enrollments/{enrollment}/end-phase/", {"phase": "loading", "date": "2026-01-05", "reason": "r" * 2001}),
    ("/api/v1/enrollments/{enrollment}/stop/", {"date": "2026-01-05", "reason": "r" * 2001}),
    ("/api/v1/enrollments/", {"patient": "{patient}", "protocol": "p" * 51, "start_date": "2026-01-05"}),
    ("/api/v1/enrollments/", {"patient": "{patient}", "protocol": "b12-im-standard", "start_date": "2026-01-05",
                              "override_reason": "r" * 2001}),
    ("/api/v1/lab-results/", {"patient": "{patient}", "test": "t" * 21, "value": "1", "unit": "g/L",
                              "collected_at": "2026-01-05T09:00:00Z"}),
    ("/api/v1/lab-results/", {"patient": "{patient}", "test": "hb", "value": "1" * 41, "unit": "g/L",
                              "collected_at": "2026-01-05T09:00:00Z"}),
])
def test_free_text_and_codes_are_bounded(as_cara, patient, path, body):
    with time_machine.travel(NOW, tick=False):
        enrollment = enroll(as_cara, patient, "b12-im-standard", "2026-01-05")
    ids = {"enrollment": enrollment["id"], "patient": patient.id}
    body = {k: (int(v.format(**ids)) if v == "{patient}" else v) for k, v in body.items()}
    response = as_cara.post(path.format(**ids), body, format="json")
    assert response.status_code == 400, response.content[:300]


@time_machine.travel(NOW, tick=False)
def test_a_search_of_thousands_of_words_is_refused(as_nina):
    response = as_nina.get("/api/v1/patients/", {"search": "a " * 5000})
    assert response.status_code == 400 and "search" in response.json()


@time_machine.travel(NOW, tick=False)
def test_a_search_with_a_nul_character_is_refused(as_nina):
    assert as_nina.get("/api/v1/patients/", {"search": "Jo\x00nes"}).status_code == 400


@time_machine.travel(NOW, tick=False)
def test_a_note_of_megabytes_never_reaches_the_database(as_cara, loading_dose):
    response = record(as_cara, loading_dose, "given", "2026-01-05T10:00:00Z", **INJECTION, note="n" * 2_500_000)
    assert response.status_code == 413
    assert Administration.objects.count() == 0
