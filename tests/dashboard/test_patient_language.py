"""The staff page that adds a patient asks for the language of their reminders."""

from patients.models import Patient

NEW = {"mrn": "R0100", "given_name": "Piotr", "family_name": "Nowak", "date_of_birth": "1970-03-04", "sex": "male",
       "preferred_dose_time": "08:00", "reminders_opt_in": "on"}


def test_the_form_offers_the_clinics_language_first_then_each_language(cara_web, clinic):
    clinic.language = "es"
    clinic.save()
    page = cara_web.get("/patients/new/").content.decode()
    assert '<option value="" selected>The clinic&#x27;s (Spanish)</option>' in page
    assert '<option value="pl">Polish</option>' in page


def test_a_patient_added_with_a_language_keeps_it(cara_web, clinic):
    response = cara_web.post("/patients/new/", {**NEW, "language": "pl"})
    assert response.status_code == 302
    assert Patient.objects.get(mrn="R0100").language == "pl"


def test_a_patient_added_without_one_follows_the_clinic(cara_web, clinic):
    cara_web.post("/patients/new/", {**NEW, "language": ""})
    assert Patient.objects.get(mrn="R0100").language == ""


def test_a_language_that_is_not_offered_is_a_form_error_and_nothing_is_saved(cara_web, clinic):
    response = cara_web.post("/patients/new/", {**NEW, "language": "fr"})
    assert response.status_code == 422 and "Select a valid choice" in response.content.decode()
    assert not Patient.objects.filter(mrn="R0100").exists()
