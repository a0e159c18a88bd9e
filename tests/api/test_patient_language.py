"""A patient's language in the API: offered codes only, blank for the clinic's."""

import pytest

from patients.models import Patient

NEW = {"mrn": "R0002", "given_name": "Ana", "family_name": "García", "date_of_birth": "1980-01-01", "sex": "female"}


def test_a_patient_is_created_with_their_language(as_cara, clinic):
    response = as_cara.post("/api/v1/patients/", {**NEW, "language": "es"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["language"] == "es"
    assert Patient.objects.get(mrn="R0002").message_language == "es"


def test_a_patient_without_a_language_is_written_to_in_the_clinics(as_cara, clinic):
    clinic.language = "pl"
    clinic.save()
    response = as_cara.post("/api/v1/patients/", NEW, format="json")
    assert response.status_code == 201 and response.json()["language"] == ""
    assert Patient.objects.get(mrn="R0002").message_language == "pl"


@pytest.mark.parametrize("language", ["fr", "ES", "español", "x" * 500, 7])
def test_a_language_that_is_not_offered_is_refused_naming_the_field(as_cara, patient, language):
    created = as_cara.post("/api/v1/patients/", {**NEW, "language": language}, format="json")
    changed = as_cara.patch(f"/api/v1/patients/{patient.pk}/", {"language": language}, format="json")
    for response in (created, changed):
        assert response.status_code == 400, response.json()
        assert "not an offered language; use one of en, es, pl" in response.json()["language"][0]
    assert not Patient.objects.filter(mrn="R0002").exists()
    patient.refresh_from_db()
    assert patient.language == ""


def test_a_patients_language_can_be_changed_and_cleared(as_cara, patient):
    assert as_cara.patch(f"/api/v1/patients/{patient.pk}/", {"language": "pl"}, format="json").json()["language"] == "pl"
    assert as_cara.patch(f"/api/v1/patients/{patient.pk}/", {"language": ""}, format="json").json()["language"] == ""
    patient.refresh_from_db()
    assert patient.language == "" and patient.message_language == "en"


def test_another_clinics_patient_cannot_be_changed(as_otto, patient):
    assert as_otto.patch(f"/api/v1/patients/{patient.pk}/", {"language": "es"}, format="json").status_code == 404
