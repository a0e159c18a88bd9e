"""The clinical guards on the staff pages: stopping an enrollment (clinicians, a confirmation, bad input), a second
plan on the same treatment, a lab value that needs confirming, alerts filtered by severity."""

from datetime import date

import pytest
import time_machine

from alerts.models import Alert
from patients.models import EventStatus, LabResult
from tests.alerts.helpers import at, enroll, lab

DAY = date(2026, 1, 12)


@pytest.fixture
def course(cara, patient):
    with time_machine.travel(at(date(2026, 1, 5), 9), tick=False):
        return enroll(cara, patient, "b12-im-standard", date(2026, 1, 5))


def post(client, url, data):
    with time_machine.travel(at(DAY, 9), tick=False):
        return client.post(url, data)


def test_a_nurse_cannot_open_or_post_the_stop_page(nina_web, course):
    with time_machine.travel(at(DAY, 9), tick=False):
        assert nina_web.get(f"/enrollments/{course.pk}/stop/").status_code == 403
    assert post(nina_web, f"/enrollments/{course.pk}/stop/", {"reason": "x", "action": "confirm"}).status_code == 403
    course.refresh_from_db()
    assert course.status == "active"


def test_nothing_is_stopped_before_the_confirmation(cara_web, course):
    response = post(cara_web, f"/enrollments/{course.pk}/stop/", {"reason": "wrong plan", "date": "2026-01-12",
                                                                  "action": "review"})
    body = response.content.decode()
    assert response.status_code == 200 and "will be cancelled" in body and "Yes, stop it" in body
    course.refresh_from_db()
    assert course.status == "active"


@pytest.mark.parametrize("data, words", [
    ({"reason": "", "date": "2026-01-12"}, "This field is required."),
    ({"reason": "x", "date": "2026-01-13"}, "cannot stop an enrollment in the future"),
    ({"reason": "x", "date": "2026-01-01"}, "the enrollment starts on 5 Jan 2026"),
    ({"reason": "x", "date": "12/01/2026x"}, "Enter a valid date."),
    ({"reason": "r" * 1001, "date": "2026-01-12"}, "at most 1000 characters"),
    ({"reason": "x\x00y", "date": "2026-01-12"}, "Null characters are not allowed."),
])
@pytest.mark.parametrize("action", ["review", "confirm"])
def test_bad_stop_input_is_explained_and_nothing_is_stopped(cara_web, course, data, words, action):
    response = post(cara_web, f"/enrollments/{course.pk}/stop/", {**data, "action": action})
    assert response.status_code == 422
    assert words in response.content.decode()
    course.refresh_from_db()
    assert course.status == "active" and course.events.filter(status=EventStatus.PLANNED).exists()


def test_confirming_stops_it_and_the_patient_page_says_so(cara_web, course):
    response = post(cara_web, f"/enrollments/{course.pk}/stop/", {"reason": "wrong plan", "date": "2026-01-12",
                                                                  "action": "confirm"})
    assert response.status_code == 302
    course.refresh_from_db()
    assert (course.status, course.ended_on, course.end_reason) == ("ended", DAY, "wrong plan")
    with time_machine.travel(at(DAY, 9), tick=False):
        body = cara_web.get(f"/patients/{course.patient_id}/").content.decode()
        again = cara_web.get(f"/enrollments/{course.pk}/stop/")
    assert "Stopped by Cara on Mon 12 Jan: wrong plan" in body
    assert "ongoing" not in body, "a stopped plan's phases end on its last day"
    assert again.status_code == 302, "an ended enrollment is not stopped twice"


def test_a_second_b12_plan_is_refused_on_the_page_then_overridden(cara_web, course, patient):
    data = {"protocol": "b12-im-neuro", "start_date": "2026-01-12", "action": "preview"}
    preview = post(cara_web, f"/patients/{patient.pk}/enroll/", data)
    assert preview.status_code == 200 and f"enrollment {course.pk}, from Mon 5 Jan" in preview.content.decode()
    refused = post(cara_web, f"/patients/{patient.pk}/enroll/", {**data, "action": "confirm"})
    assert refused.status_code == 422
    body = refused.content.decode()
    assert "Give your reason to enroll anyway" in body and "Confirm enrollment" in body
    assert patient.enrollments.count() == 1
    done = post(cara_web, f"/patients/{patient.pk}/enroll/", {**data, "action": "confirm", "override_reason": "neuro"})
    assert done.status_code == 302 and patient.enrollments.count() == 2


def test_a_changed_unusual_value_is_asked_about_again(nina_web, patient):
    form = {"test": "hb", "value": "10.2", "unit": "g/L", "collected_on": "2026-01-12", "collected_time": "08:00"}
    asked = post(nina_web, f"/patients/{patient.pk}/lab-results/", form)
    assert asked.status_code == 422 and "did you mean 10.2 g/dL (102 g/L)?" in asked.content.decode()
    changed = post(nina_web, f"/patients/{patient.pk}/lab-results/",
                   {**form, "value": "9.1", "confirm_unusual": "yes", "unusual_key": "hb|10.2|g/L"})
    assert changed.status_code == 422 and "did you mean 9.1 g/dL (91 g/L)?" in changed.content.decode()
    assert not LabResult.objects.exists()
    filed = post(nina_web, f"/patients/{patient.pk}/lab-results/",
                 {**form, "confirm_unusual": "yes", "unusual_key": "hb|10.2|g/L"})
    assert filed.status_code == 302 and LabResult.objects.get().confirmed_unusual is True


def test_a_unit_that_is_not_the_tests_is_not_taken_from_the_answer(nina_web, patient):
    form = {"test": "hb", "value": "10.2", "unit": "g/L", "collected_on": "2026-01-12", "collected_time": "08:00",
            "use_unit": "pmol/L"}
    assert post(nina_web, f"/patients/{patient.pk}/lab-results/", form).status_code == 422
    assert not LabResult.objects.exists()


def test_alerts_are_filtered_by_severity_and_an_unknown_severity_is_ignored(cara, nina_web, patient):
    lab(cara, patient, "ferritin", 8, date(2026, 1, 10))
    alert = Alert.objects.get(patient=patient, code="check-b12-age-60")
    with time_machine.travel(at(DAY, 9), tick=False):
        high = nina_web.get("/alerts/?severity=high").content.decode()
        warning = nina_web.get("/alerts/?severity=warning").content.decode()
        odd = nina_web.get("/alerts/?severity=%00nonsense&status=zzz")
    assert f'id="alert-{alert.pk}"' not in high and f'id="alert-{alert.pk}"' in warning
    assert "Check B12: aged 60+ with iron deficiency" in warning and "check-b12-age-60" in warning
    assert odd.status_code == 200 and f'id="alert-{alert.pk}"' in odd.content.decode()
