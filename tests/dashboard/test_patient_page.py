"""The patient page: plan, charts, records with corrections, filing a lab result, ending neuro loading."""

from datetime import date, timedelta

import pytest
import time_machine

from patients.models import Administration, LabResult
from tests.alerts.helpers import at, enroll, give, lab

MONDAY = date(2026, 1, 5)


@pytest.fixture
def course(cara, patient):
    lab(cara, patient, "hb", 98, MONDAY)
    enrollment = enroll(cara, patient, "b12-im-standard", MONDAY)
    give(cara, enrollment, "loading#1")
    give(cara, enrollment, "loading#2", outcome="missed")
    return enrollment


def page(client, patient, on=date(2026, 1, 8)):
    with time_machine.travel(at(on, 9), tick=False):
        response = client.get(f"/patients/{patient.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_the_plan_the_records_and_the_charts(nina_web, patient, course):
    body = page(nina_web, patient)
    assert "Vitamin B12 IM (no neurological involvement)" in body
    assert "B12 loading</strong> Mon 5 Jan" in body, "the phase and when it started"
    assert 'class="chart timeline"' in body and "1 given" in body and "1 missed" in body
    assert 'aria-labelledby="chart-hb-t chart-hb-d"' in body and "lower limit of normal 120" in body
    assert "Left deltoid · lot LOT1" in body
    assert "Injections on time" in body and "50% (1/2)" in body


def test_a_nurse_files_a_lab_result_in_another_unit(nina, nina_web, patient, course):
    with time_machine.travel(at(date(2026, 1, 15), 12), tick=False):
        response = nina_web.post(f"/patients/{patient.pk}/lab-results/", {
            "test": "hb", "value": "10.4", "unit": "g/dL", "collected_on": "2026-01-15", "collected_time": "09:00"})
    assert response.status_code == 302 and response["Location"].endswith("#labs")
    result = LabResult.objects.get(unit="g/dL")
    assert (result.normalized_value, result.recorded_by) == (104, nina)


@pytest.mark.parametrize(("data", "message"), [
    ({"unit": "furlongs"}, "unknown unit"),
    ({"value": "0"}, "is not plausible"),
    ({"value": "abc"}, "is not a number"),
    ({"collected_on": "2026-02-01"}, "is in the future"),
    ({"test": "unobtainium"}, "Select a valid choice"),
])
def test_a_bad_lab_result_is_refused_clearly_and_nothing_is_saved(nina_web, patient, course, data, message):
    before = LabResult.objects.count()
    body = {"test": "hb", "value": "104", "unit": "g/L", "collected_on": "2026-01-15", "collected_time": "09:00", **data}
    with time_machine.travel(at(date(2026, 1, 15), 12), tick=False):
        response = nina_web.post(f"/patients/{patient.pk}/lab-results/", body)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert LabResult.objects.count() == before


def test_a_wrong_record_is_marked_entered_in_error_with_a_reason(nina, nina_web, patient, course):
    missed = Administration.objects.get(outcome="missed")
    assert nina_web.post(f"/administrations/{missed.pk}/entered-in-error/", {"reason": ""}).status_code == 302
    missed.refresh_from_db()
    assert not missed.entered_in_error, "a reason is required"
    nina_web.post(f"/administrations/{missed.pk}/entered-in-error/", {"reason": "she came after all"})
    missed.refresh_from_db()
    assert (missed.entered_in_error, missed.error_by, missed.error_reason) == (True, nina, "she came after all")
    body = page(nina_web, patient)
    assert "Entered in error" in body and "she came after all" in body
    hb = LabResult.objects.get()
    nina_web.post(f"/lab-results/{hb.pk}/entered-in-error/", {"reason": "wrong patient"})
    hb.refresh_from_db()
    assert hb.entered_in_error


def test_a_clinician_ends_neurological_loading(cara, cara_web, patient):
    course = enroll(cara, patient, "b12-im-neuro", MONDAY)
    give(cara, course, "loading#1")
    body = page(cara_web, patient, date(2026, 1, 20))
    assert "End b12 loading (neurological involvement)…" in body
    with time_machine.travel(at(date(2026, 1, 20), 9), tick=False):
        response = cara_web.post(f"/enrollments/{course.pk}/end-phase/",
                                 {"phase": "loading", "date": "2026-01-05", "reason": "symptoms resolved"})
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.phase_ends["loading"]["reason"] == "symptoms resolved"
    assert course.events.filter(phase="maintenance", kind="dose", status="planned").order_by("due_date")[0].due_date \
        == date(2026, 3, 5)


def test_ending_a_phase_in_the_future_is_refused(cara, cara_web, patient):
    course = enroll(cara, patient, "b12-im-neuro", MONDAY)
    with time_machine.travel(at(date(2026, 1, 20), 9), tick=False):
        cara_web.post(f"/enrollments/{course.pk}/end-phase/", {"phase": "loading", "date": "2026-02-01", "reason": "x"})
        body = cara_web.get(f"/patients/{patient.pk}/").content.decode()
    assert "cannot end a phase in the future" in body
    course.refresh_from_db()
    assert course.phase_ends == {}


def test_the_reminders_dealt_with_are_listed_and_plan_churn_is_not(nina_web, patient, course):
    from django.utils import timezone

    from reminders.models import Reminder

    Reminder.objects.filter(patient=patient).delete()
    past = timezone.now() - timedelta(days=1)
    for status, reason in [("sent", ""), ("expired", "system was down"), ("cancelled", "plan changed")]:
        Reminder.objects.create(clinic=patient.clinic, patient=patient, kind="appointment", channel="sms",
                                key=f"test-{status}", send_at=past, status=status, status_reason=reason)
    Reminder.objects.create(clinic=patient.clinic, patient=patient, kind="appointment", channel="email",
                            key="test-pending", send_at=past + timedelta(days=3))
    body = page(nina_web, patient)
    section = body[body.index('id="reminders"'):]
    assert "system was down" in section and "Sent" in section
    assert "plan changed" not in section
    assert "1 more scheduled" in section


def test_the_whole_plan_has_its_own_page(nina_web, otto_web, patient, course):
    with time_machine.travel(at(date(2026, 1, 8), 9), tick=False):
        body = nina_web.get(f"/enrollments/{course.pk}/plan/").content.decode()
    assert "Thu 16 Apr" not in body, "the first maintenance moved when loading dose 2 was missed"
    assert "Mon 20 Apr" in body and body.lower().count("hydroxocobalamin") >= 7
    assert otto_web.get(f"/enrollments/{course.pk}/plan/").status_code == 404
