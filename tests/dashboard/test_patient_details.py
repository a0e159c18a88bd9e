"""A patient's details edited from the pages, the header that shows them, the plan's labels and the printed plan."""

from datetime import date, time

import pytest
import time_machine

from patients.models import Patient
from reminders.models import OptOut, OptOutVia, PatientReminderPreferences
from tests.alerts.helpers import at, enroll

MONDAY = date(2026, 1, 5)


def form_of(patient, **changes) -> dict:
    data = {"given_name": patient.given_name, "family_name": patient.family_name,
            "date_of_birth": patient.date_of_birth.isoformat(), "sex": patient.sex, "phone": patient.phone,
            "email": patient.email, "timezone": patient.timezone,
            "preferred_dose_time": patient.preferred_dose_time.strftime("%H:%M"), "language": patient.language,
            "reminders_opt_in": "on", "channels": ""}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def post(client, patient, **changes):
    with time_machine.travel(at(MONDAY, 10), tick=False):
        return client.post(f"/patients/{patient.pk}/edit/", form_of(patient, **changes))


def test_a_nurse_edits_the_details_and_a_national_number_is_normalised(nina, nina_web, patient):
    response = post(nina_web, patient, phone="07700 900123", email="pat@example.org", given_name="Patricia")
    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.phone, patient.given_name, patient.email) == ("+447700900123", "Patricia", "pat@example.org")
    latest = patient.history.order_by("-history_id").first()
    assert latest.history_user == nina
    with time_machine.travel(at(MONDAY, 10), tick=False):
        edit = nina_web.get(f"/patients/{patient.pk}/edit/").content.decode()
    assert "Nina" in edit and "given name" in edit and "email" in edit and "phone" in edit


def test_a_landline_is_kept_and_flagged_in_the_header(nina_web, patient):
    assert post(nina_web, patient, phone="020 7946 0018").status_code == 302
    patient.refresh_from_db()
    assert patient.phone == "+442079460018" and patient.phone_kind == "landline"
    with time_machine.travel(at(MONDAY, 10), tick=False):
        body = nina_web.get(f"/patients/{patient.pk}/").content.decode()
    assert "landline: no texts" in body


def test_an_error_saves_nothing(nina_web, patient):
    before = patient.history.count()
    response = post(nina_web, patient, phone="12", given_name="Changed", email="not-an-email")
    assert response.status_code == 422
    body = response.content.decode()
    assert "Nothing was saved" in body and "Enter a valid email address." in body
    response = post(nina_web, patient, phone="12", given_name="Changed")
    assert response.status_code == 422 and "is not a possible phone number" in response.content.decode()
    patient.refresh_from_db()
    assert patient.given_name == "Pat" and patient.history.count() == before


@pytest.mark.parametrize("field,value", [("timezone", "Mars/Olympus"), ("sex", "x"), ("date_of_birth", "1800-01-01"),
                                         ("preferred_dose_time", "25:00"), ("given_name", "x" * 101),
                                         ("channels", "pigeon"), ("language", "xx")])
def test_bad_input_is_refused_with_a_message(nina_web, patient, field, value):
    response = post(nina_web, patient, **{field: value})
    assert response.status_code == 422
    assert 'class="field-error"' in response.content.decode()
    assert Patient.objects.get(pk=patient.pk).history.count() == patient.history.count()


def test_a_new_dose_time_re_plans_the_oral_doses_and_shows_with_them(cara, cara_web, patient):
    course = enroll(cara, patient, "iron-oral-daily", MONDAY)
    assert post(cara_web, patient, preferred_dose_time="19:30").status_code == 302
    dose = course.events.filter(kind="dose", status="planned").order_by("due_date").last()
    assert dose.due_at.astimezone(patient.zone).time() == time(19, 30)
    with time_machine.travel(at(MONDAY, 10), tick=False):
        body = cara_web.get(f"/patients/{patient.pk}/").content.decode()
        plan = cara_web.get(f"/enrollments/{course.pk}/plan/").content.decode()
    assert "Oral dose time" in body and "19:30" in body
    assert "oral at 19:30" in body and "oral at 19:30" in plan


def test_channels_and_opt_outs(nina_web, patient):
    OptOut.objects.create(patient=patient, channel="sms", via=OptOutVia.SMS_REPLY)
    with time_machine.travel(at(MONDAY, 10), tick=False):
        assert "Replied STOP" in nina_web.get(f"/patients/{patient.pk}/edit/").content.decode()
    assert post(nina_web, patient, channels="email", end_opt_outs="sms").status_code == 302
    assert PatientReminderPreferences.objects.get(patient=patient).channels == "email"
    opt_out = OptOut.objects.get(patient=patient)
    assert opt_out.ended_at is not None and opt_out.ended_via == OptOutVia.STAFF


def test_only_clinical_staff_of_the_clinic_edit(adam_web, otto_web, patient):
    assert post(adam_web, patient, given_name="X").status_code == 403
    assert post(otto_web, patient, given_name="X").status_code == 404
    with time_machine.travel(at(MONDAY, 10), tick=False):
        assert otto_web.get(f"/patients/{patient.pk}/print/").status_code == 404


def test_the_plan_says_what_tests_and_reviews_are(cara, cara_web, patient):
    course = enroll(cara, patient, "b12-and-iron-concurrent", MONDAY)
    with time_machine.travel(at(MONDAY, 10), tick=False):
        plan = cara_web.get(f"/enrollments/{course.pk}/plan/").content.decode()
    assert "Blood test: FBC, reticulocytes, B12, folate, ferritin, CRP" in plan
    assert "Hydroxocobalamin 1 mg IM" in plan and "loading dose 1, at the clinic" in plan
    assert "fbc fbc" not in plan and "loading 1<" not in plan


def test_the_printed_plan(cara, cara_web, clinic, patient):
    clinic.address, clinic.phone = "1 River Street\nLondon", "020 7946 0000"
    clinic.save()
    enroll(cara, patient, "b12-and-iron-concurrent", MONDAY)
    with time_machine.travel(at(MONDAY, 10), tick=False):
        body = cara_web.get(f"/patients/{patient.pk}/print/").content.decode()
    for text in ("Treatment plan for Pat Jones", "MRN R0001", "Vitamin B12 and oral iron together", "Riverside Clinic",
                 "1 River Street<br>London", "020 7946 0000", "Ferrous sulfate 200 mg oral", "every day at <strong>08:00", "<td>Ferrous sulfate 200 mg oral</td>",
                 "Mon 5 Jan 2026", "Hydroxocobalamin 1 mg IM", "FBC", "Printed Mon 5 Jan 2026", "print-plan.css"):
        assert text in body, text
