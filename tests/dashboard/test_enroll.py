"""Enrolling: preview the dates, then confirm; the folate guard and bad options are explained."""

from datetime import date

import time_machine

from alerts.models import Alert
from tests.alerts.helpers import at

PREVIEW = {"protocol": "b12-im-standard", "start_date": "2026-01-05", "action": "preview"}


def post(client, patient, data):
    with time_machine.travel(at(date(2026, 1, 2), 9), tick=False):
        return client.post(f"/patients/{patient.pk}/enroll/", data)


def test_the_preview_shows_the_dates_and_saves_nothing(cara_web, patient):
    response = post(cara_web, patient, PREVIEW)
    body = response.content.decode()
    assert response.status_code == 200
    for day in ("Mon 5 Jan", "Wed 7 Jan", "Fri 9 Jan", "Mon 12 Jan", "Wed 14 Jan",
                "Fri 16 Jan", "Thu 16 Apr"):
        assert day in body, day
    assert "Confirm enrollment" in body
    assert not patient.enrollments.exists()


def test_confirming_enrolls_the_patient(cara, cara_web, patient):
    response = post(cara_web, patient, {**PREVIEW, "action": "confirm", "maintenance_interval_months": "2"})
    enrollment = patient.enrollments.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#enrollment-{enrollment.pk}")
    assert (enrollment.created_by, enrollment.options) == (cara, {"maintenance_interval_months": 2})
    assert enrollment.events.filter(phase="maintenance").order_by("due_date")[0].due_date == date(2026, 3, 16)


def test_an_option_the_protocol_does_not_have_is_explained(cara_web, patient):
    response = post(cara_web, patient, {**PREVIEW, "iron_product": "ferrous-fumarate-322"})
    assert response.status_code == 422
    assert "this protocol has no oral iron" in response.content.decode()


def test_a_missing_protocol_or_date_is_explained(cara_web, patient):
    response = post(cara_web, patient, {"action": "preview"})
    assert response.status_code == 422
    assert response.content.decode().count("This field is required") == 2


def test_folic_acid_without_b12_is_refused_unless_a_clinician_gives_a_reason(cara_web, patient):
    data = {"protocol": "folate-oral", "start_date": "2026-01-05", "action": "confirm"}
    refused = post(cara_web, patient, data)
    assert refused.status_code == 422 and "folate-without-b12" in refused.content.decode()
    assert not patient.enrollments.exists()
    post(cara_web, patient, {**data, "override_reason": "B12 normal at the GP last week"})
    assert patient.enrollments.get().override_reason == "B12 normal at the GP last week"
    assert Alert.objects.get(patient=patient).code == "folate-without-b12"
