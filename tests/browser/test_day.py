"""The staff pages in a real browser (Chromium driven by Playwright), as a clinic uses them.

Each scenario saves a screenshot of every page it visits to test-artifacts/screenshots/.
"""

import re
from datetime import timedelta

import pytest

from alerts.models import Alert
from dashboard.templatetags.dashboard_tags import staff_date
from patients.models import ScheduledEvent
from patients.services import administration_record, enrollment_create, lab_result_record
from tests.browser.support import SCREENSHOTS, now_local, shot, sign_in
from tests.factories import PatientFactory


@pytest.fixture
def ward(open_every_day, cara, nina):
    """A small clinic day: a patient starting B12 today, one overdue, one on iron with results and an alert."""
    clinic = open_every_day
    today = now_local(clinic).date()
    pat = PatientFactory(clinic=clinic, mrn="R0001", given_name="Pat", family_name="Jones")
    starting = enrollment_create(actor=cara, patient=pat, protocol="b12-im-standard", start_date=today)
    late = PatientFactory(clinic=clinic, mrn="R0002", given_name="Lee", family_name="Adams", sex="male")
    enrollment_create(actor=cara, patient=late, protocol="b12-im-standard", start_date=today - timedelta(days=3))
    iron = PatientFactory(clinic=clinic, mrn="R0003", given_name="Ida", family_name="Ferris",
                          date_of_birth=today.replace(year=today.year - 67))
    collected = now_local(clinic) - timedelta(days=35)
    lab_result_record(actor=nina, patient=iron, test="hb", value=98, unit="g/L", collected_at=collected)
    course = enrollment_create(actor=cara, patient=iron, protocol="iron-oral-daily", start_date=collected.date())
    for n, event in enumerate(ScheduledEvent.objects.filter(enrollment=course, kind="dose").order_by("due_date")[:30]):
        if n % 4 != 3:
            administration_record(actor=nina, event=event, outcome="given", source="patient",
                                  occurred_at=collected + timedelta(days=n, hours=1))
    for days, hb in ((20, 104), (6, 112)):
        lab_result_record(actor=nina, patient=iron, test="hb", value=hb, unit="g/L",
                          collected_at=now_local(clinic) - timedelta(days=days))
    lab_result_record(actor=nina, patient=iron, test="ferritin", value=12, unit="ug/L",
                      collected_at=now_local(clinic) - timedelta(days=6))
    return {"pat": pat, "starting": starting, "late": late, "iron": iron}


def test_a_nurse_records_an_injection_from_today_and_sees_the_plan_recomputed(page, live_server, ward, nina):
    page.goto(f"{live_server.url}/")
    assert page.url.endswith("/login/?next=/")
    shot(page, "01-login")
    sign_in(page, live_server, "nina")
    page.get_by_role("heading", name=re.compile("^Today")).wait_for()
    shot(page, "02-today")

    page.get_by_role("link", name="Given… record loading dose 1 for Pat Jones").click()
    form = page.get_by_role("form", name="Record hydroxocobalamin given to Pat Jones")
    form.wait_for()
    assert form.get_by_label("Dose (mg)").input_value() == "1"
    assert form.get_by_label("Injection site").input_value() == "deltoid-left"
    form.get_by_label("Lot number").fill("HX2231")
    shot(page, "03-today-given-form")
    form.get_by_role("button", name="Record given").click()

    recorded = page.locator(f"#event-{ScheduledEvent.objects.get(enrollment=ward['starting'], key='loading#1').pk}")
    recorded.get_by_text("Plan re-computed: next dose due").wait_for()
    tomorrow = now_local(ward["pat"].clinic).date() + timedelta(days=1)
    written = staff_date(tomorrow, tomorrow - timedelta(days=1))  # "Thu 3 Dec" (with the year in another year)
    assert f"next dose due {written}" in recorded.inner_text()
    shot(page, "04-today-recorded")
    record = ward["pat"].administration_set.get()
    assert (record.outcome, record.site, record.lot_number, record.recorded_by) == ("given", "deltoid-left", "HX2231", nina)

    recorded.get_by_role("link", name="Open the plan").click()
    page.get_by_role("heading", name="JONES, Pat").wait_for()
    upcoming = page.locator("table.events").nth(1)
    assert written in upcoming.inner_text()
    shot(page, "05-patient-after-recording")


def test_the_worklist_works_with_the_keyboard_alone(page, live_server, ward):
    sign_in(page, live_server, "nina")
    page.get_by_role("heading", name=re.compile("^Today")).wait_for()
    given = page.get_by_role("link", name="Given… record loading dose 1 for Pat Jones")
    for _ in range(60):
        page.keyboard.press("Tab")
        if given.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the Given… link")
    page.keyboard.press("Enter")
    lot = page.get_by_label("Lot number")
    lot.wait_for()
    page.keyboard.press("Shift+Tab")  # from the focused Record button back to the time, then the dose...
    lot.focus()
    page.keyboard.type("KB-77")
    page.keyboard.press("Enter")  # submits the form
    page.get_by_text("Plan re-computed").wait_for()
    assert ward["pat"].administration_set.get().lot_number == "KB-77"


def test_a_clinician_previews_the_dates_enrolls_and_sees_the_chart(page, live_server, open_every_day, cara, nina):
    patient = PatientFactory(clinic=open_every_day, mrn="R0010", given_name="Rosa", family_name="Bright")
    lab_result_record(actor=nina, patient=patient, test="hb", value=96, unit="g/L",
                      collected_at=now_local(open_every_day) - timedelta(days=2))
    sign_in(page, live_server, "cara")
    page.get_by_role("link", name="Patients").click()
    page.get_by_label("Search by name or MRN").fill("Bright")
    page.get_by_role("link", name="BRIGHT, Rosa").click()
    page.get_by_role("link", name="Enroll in a protocol").click()
    page.get_by_label("Protocol").select_option(label="Oral iron, daily")
    page.get_by_label("Oral iron product").select_option("ferrous-fumarate-322")
    page.get_by_role("button", name="Preview dates").click()
    preview = page.get_by_role("region", name=re.compile("^Preview"))
    shot(page, "06-enroll-preview")
    preview.wait_for()
    assert "ferrous-fumarate" in preview.inner_text() and "fbc" in preview.inner_text()
    shot(page, "06-enroll-preview")
    assert not patient.enrollments.exists(), "a preview saves nothing"

    page.get_by_role("button", name="Confirm enrollment").click()
    page.get_by_text("Enrolled Rosa Bright in Oral iron, daily").wait_for()
    enrollment = patient.enrollments.get()
    assert enrollment.options == {"iron_product": "ferrous-fumarate-322"}
    section = page.locator(f"#enrollment-{enrollment.pk}")
    section.locator("svg.timeline").wait_for()
    assert section.locator("svg.timeline").count() == 1
    assert page.get_by_role("img", name=re.compile("^Haemoglobin")).count() == 1
    shot(page, "07-patient-enrolled-chart")


def test_a_clinician_acknowledges_an_alert(page, live_server, ward, cara):
    alert = Alert.objects.get(patient=ward["iron"], code="check-b12-age-60")
    sign_in(page, live_server, "cara")
    page.get_by_role("link", name=re.compile("^Alerts")).click()
    page.get_by_role("heading", name="Alerts").wait_for()
    shot(page, "08-alerts")
    page.get_by_role("button", name=f"Acknowledge check-b12-age-60 for {ward['iron'].full_name}").click()
    page.locator(f"#alert-{alert.pk}").get_by_text("Acknowledged by Cara").wait_for()
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == ("acknowledged", cara)
    shot(page, "09-alert-acknowledged")

    page.get_by_role("link", name="Ida Ferris").first.click()
    page.get_by_role("heading", name="FERRIS, Ida").wait_for()
    shot(page, "10-patient-iron")
    page.locator(".enrollment").first.screenshot(path=str(SCREENSHOTS / "10a-patient-plan.png"))
    page.locator("#charts").screenshot(path=str(SCREENSHOTS / "10b-patient-charts.png"))
    page.get_by_role("link", name="Patients").click()
    shot(page, "11-patients")
    page.get_by_role("link", name="Overview").click()
    page.get_by_role("heading", name=re.compile("^Clinic overview")).wait_for()
    shot(page, "12-overview")


def test_an_administrator_manages_staff_and_sees_no_clinical_page(page, live_server, clinic, adam, nina):
    sign_in(page, live_server, "adam")
    page.get_by_role("heading", name="Staff accounts").wait_for()
    shot(page, "13-staff")
    response = page.goto(f"{live_server.url}/patients/")
    assert response.status == 403
