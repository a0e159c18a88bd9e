"""The clinical guards in a real browser (Chromium driven by Playwright): stopping an enrollment, a second plan on
the same treatment refused then overridden with a reason, an unusual Hb asked about then confirmed, alerts
filtered and resolved by the system."""

import re
from datetime import timedelta

import pytest

from alerts.models import Alert
from patients.models import Enrollment, EventStatus, LabResult
from patients.services import enrollment_create, lab_result_record
from reminders.models import Reminder, ReminderStatus
from tests.browser.support import assert_accessible, now_local, shot, sign_in
from tests.factories import PatientFactory


@pytest.fixture
def ada(open_every_day, cara):
    clinic = open_every_day
    patient = PatientFactory(clinic=clinic, mrn="G0001", given_name="Ada", family_name="Lovelace",
                             date_of_birth=now_local(clinic).date().replace(year=now_local(clinic).year - 66))
    enrollment = enrollment_create(actor=cara, patient=patient, protocol="b12-im-standard",
                                   start_date=now_local(clinic).date() - timedelta(days=2))
    return patient, enrollment


def test_a_clinician_stops_an_enrollment_with_a_reason_after_a_confirmation(page, live_server, ada, cara):
    patient, enrollment = ada
    planned = enrollment.events.filter(status=EventStatus.PLANNED).count()
    pending = Reminder.objects.filter(event__enrollment=enrollment, status=ReminderStatus.PENDING).count()
    assert planned and pending
    sign_in(page, live_server, "cara")
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    page.get_by_role("link", name="Stop Vitamin B12 (hydroxocobalamin) standard for Ada Lovelace").or_(
        page.get_by_role("link", name=re.compile("^Stop .* for Ada Lovelace"))).first.click()
    page.get_by_role("heading", name=re.compile("^Stop the whole enrollment")).wait_for()
    assert_accessible(page, name="stop form")
    page.get_by_role("button", name="Stop enrollment…").click()
    page.get_by_text("This field is required.").first.wait_for()  # no reason: asked again, nothing stopped
    assert Enrollment.objects.get(pk=enrollment.pk).status == "active"
    page.get_by_label("Reason for stopping").fill("Wrong plan: the patient is treated by her GP")
    page.get_by_role("button", name="Stop enrollment…").click()
    question = page.locator("#stop-question")
    question.wait_for()
    text = question.inner_text()
    assert "for Ada Lovelace?" in text
    assert f"{planned} planned events and {pending} pending reminders will be cancelled" in text
    shot(page, "guards-01-stop-confirm")
    assert_accessible(page, name="stop confirmation")
    assert Enrollment.objects.get(pk=enrollment.pk).status == "active", "nothing happens before the confirmation"
    page.get_by_role("button", name="Yes, stop it").click()
    page.get_by_text(re.compile(f"{planned} planned events and {pending} pending reminders were cancelled")).wait_for()
    shot(page, "guards-02-stopped")
    assert_accessible(page, name="patient page after stopping")
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.end_reason, enrollment.ended_by) == (
        "ended", "Wrong plan: the patient is treated by her GP", cara)
    assert not enrollment.events.filter(status=EventStatus.PLANNED).exists()
    assert not Reminder.objects.filter(event__enrollment=enrollment, status=ReminderStatus.PENDING).exists()
    assert page.locator(".stop-note").first.inner_text().startswith("Stopped by Cara")


def test_a_nurse_sees_no_stop_button_and_is_refused(page, live_server, ada, nina):
    patient, enrollment = ada
    sign_in(page, live_server, "nina")
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    page.get_by_role("heading", name="LOVELACE, Ada").wait_for()
    assert page.get_by_role("link", name=re.compile("^Stop ")).count() == 0
    response = page.request.post(f"{live_server.url}/enrollments/{enrollment.pk}/stop/",
                                 form={"reason": "x", "action": "confirm"})
    assert response.status in (403, 302) and Enrollment.objects.get(pk=enrollment.pk).status == "active"


def test_a_second_b12_plan_is_refused_then_overridden_with_a_reason(page, live_server, ada, cara):
    patient, enrollment = ada
    sign_in(page, live_server, "cara")
    page.goto(f"{live_server.url}/patients/{patient.pk}/enroll/")
    page.get_by_label("Protocol").select_option("b12-im-neuro")
    page.get_by_role("button", name="Preview dates").click()
    guard = page.locator("#enroll-guards")
    guard.wait_for()
    assert f"enrollment {enrollment.pk}, from" in guard.inner_text() and "covers B12" in guard.inner_text()
    page.get_by_role("button", name="Confirm enrollment").click()
    page.get_by_text("Give your reason to enroll anyway, or stop the other enrollment first.").wait_for()
    shot(page, "guards-03-overlap-refused")
    assert_accessible(page, name="enroll refused")
    assert Enrollment.objects.filter(patient=patient).count() == 1
    page.get_by_label("Override reason (clinician)").fill("Neurological signs: switching to the neuro plan today")
    page.get_by_role("button", name="Confirm enrollment").click()
    page.get_by_role("heading", name="LOVELACE, Ada").wait_for()
    second = Enrollment.objects.filter(patient=patient).exclude(pk=enrollment.pk).get()
    assert second.override_reason == "Neurological signs: switching to the neuro plan today"
    note = page.locator(f"#enrollment-{second.pk} .override-note")
    assert note.inner_text().startswith("Safety guard overridden by Cara on")
    shot(page, "guards-04-overridden")
    assert_accessible(page, name="patient page with an override")


def test_an_unusual_hb_is_asked_about_then_confirmed_by_keyboard(page, live_server, ada, nina):
    patient, _ = ada
    sign_in(page, live_server, "nina")
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    page.locator("#id_test").select_option("hb")
    page.get_by_label("Value").fill("10.2")
    page.locator("#id_unit").fill("g/L")
    page.get_by_label("Value").press("Enter")
    question = page.locator("#lab-unusual")
    question.wait_for()
    assert "did you mean 10.2 g/dL (102 g/L)?" in question.inner_text()
    assert not LabResult.objects.filter(patient=patient).exists()
    shot(page, "guards-05-unusual-hb")
    assert_accessible(page, name="lab question")
    # Keyboard alone: the question has the focus; Tab reaches "Yes, … is right", Enter files it.
    assert page.evaluate("document.activeElement.id") == "lab-unusual"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "confirm-unusual"
    page.keyboard.press("Enter")
    page.get_by_text("Filed hb 10.2 g/L (confirmed as entered).").wait_for()
    result = LabResult.objects.get(patient=patient)
    assert (float(result.normalized_value), result.confirmed_unusual) == (10.2, True)


def test_an_unusual_hb_is_corrected_to_the_unit_meant(page, live_server, ada, nina):
    patient, _ = ada
    sign_in(page, live_server, "nina")
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    page.get_by_label("Value").fill("10.2")
    page.locator("#id_unit").fill("g/L")
    page.get_by_role("button", name="File result").click()
    page.get_by_role("button", name="File as 10.2 g/dL").click()
    page.get_by_text("Filed hb 10.2 g/dL.").wait_for()
    result = LabResult.objects.get(patient=patient)
    assert (float(result.normalized_value), result.confirmed_unusual) == (102, False)


def test_alerts_are_titled_filtered_and_resolved_by_the_system(page, live_server, ada, cara, nina):
    patient, _ = ada
    collected = now_local(patient.clinic) - timedelta(days=1)
    lab_result_record(actor=nina, patient=patient, test="ferritin", value=9, unit="ug/L", collected_at=collected)
    alert = Alert.objects.get(patient=patient, code="check-b12-age-60")
    sign_in(page, live_server, "nina")
    page.goto(f"{live_server.url}/alerts/")
    item = page.locator(f"#alert-{alert.pk}")
    assert "Check B12: aged 60+ with iron deficiency" in item.inner_text()
    page.get_by_label("Severity").select_option("high")
    page.get_by_role("button", name="Show").click()
    page.get_by_text("0 open high alerts").wait_for()
    assert page.locator(f"#alert-{alert.pk}").count() == 0
    page.get_by_label("Severity").select_option("warning")
    page.get_by_role("button", name="Show").click()
    page.locator(f"#alert-{alert.pk}").wait_for()
    shot(page, "guards-06-alerts-warning")
    assert_accessible(page, name="alerts filtered")

    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    page.locator("#id_test").select_option("b12")
    page.get_by_label("Value").fill("420")
    page.locator("#id_unit").fill("ng/L")
    page.get_by_role("button", name="File result").click()
    page.get_by_text("Filed b12 420 ng/L.").wait_for()
    page.goto(f"{live_server.url}/alerts/?status=resolved")
    resolved = page.locator(f"#alert-{alert.pk}")
    assert "Resolved by the system" in resolved.inner_text()
    assert "a B12 result was filed (b12 420 ng/L" in resolved.inner_text()
    shot(page, "guards-07-alerts-resolved")
    assert_accessible(page, name="alerts resolved")
