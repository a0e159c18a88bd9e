"""The staff pages' forms answer a clear form error, never a 500, for inputs the review found breaking them:
an enrollment start the engine cannot plan, an over-long idempotency key, a lab value that does not fit."""

from datetime import date

import pytest
import time_machine

from patients.models import Administration, Enrollment, LabResult, ScheduledEvent
from tests.alerts.helpers import at, enroll

MONDAY = date(2026, 1, 5)


@pytest.mark.parametrize("start_date", ["9999-12-01", "2000-01-01"])
def test_an_enrollment_start_out_of_range_is_a_form_error(cara_web, patient, start_date):
    with time_machine.travel(at(date(2026, 1, 2), 9), tick=False):
        response = cara_web.post(f"/patients/{patient.pk}/enroll/", {
            "protocol": "iron-oral-daily", "start_date": start_date, "action": "confirm"})
    assert response.status_code in (200, 422)
    assert "must be between" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_an_over_long_idempotency_key_on_the_given_form_saves_nothing(cara, nina_web, patient):
    course = enroll(cara, patient, "b12-im-standard", MONDAY)
    ev = ScheduledEvent.objects.get(enrollment=course, key="loading#1")
    with time_machine.travel(at(MONDAY, 11), tick=False):
        response = nina_web.post(f"/events/{ev.pk}/given/", {
            "site": "deltoid-right", "lot_number": "LOT-9", "dose_mg": "1", "given_at": "10:30",
            "idempotency_key": "k" * 300}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert not Administration.objects.exists()


@pytest.mark.parametrize("value", ["1e999999", "99999999999", "NaN"])
def test_a_lab_value_that_does_not_fit_is_a_form_error(nina_web, patient, value):
    with time_machine.travel(at(date(2026, 1, 15), 12), tick=False):
        response = nina_web.post(f"/patients/{patient.pk}/lab-results/", {
            "test": "hb", "value": value, "unit": "g/L", "collected_on": "2026-01-15", "collected_time": "09:00"})
    assert response.status_code == 422
    assert not LabResult.objects.exists()
