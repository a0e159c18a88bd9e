"""A clinic administrator keeps the clinic's calendar and thresholds from the staff pages (Chromium)."""

import re

import pytest

from clinics.models import ClosedDay
from patients.services import enrollment_create
from tests.browser.support import assert_accessible, now_local, shot, sign_in
from tests.factories import PatientFactory


@pytest.fixture
def booked(open_every_day, cara):
    patient = PatientFactory(clinic=open_every_day, mrn="C0001", given_name="Pat", family_name="Jones")
    course = enrollment_create(actor=cara, patient=patient, protocol="b12-im-standard",
                               start_date=now_local(open_every_day).date())
    return patient, course.events.get(key="loading#2")


def _day(value) -> str:
    """A day as the staff pages write it, without the year they add only when it is not this year."""
    return f"{value:%a} {value.day} {value:%b}"


def test_an_administrator_closes_a_day_with_an_injection_and_the_plan_moves(page, live_server, booked, adam, cara):
    patient, injection = booked
    closing = injection.due_date
    sign_in(page, live_server, "adam")
    page.get_by_role("heading", name="Staff accounts").wait_for()
    page.get_by_role("link", name="Clinic", exact=True).click()
    page.get_by_role("heading", name=re.compile("^Clinic settings")).wait_for()
    shot(page, "clinic-01-settings")
    assert_accessible(page, name="clinic settings")

    form = page.get_by_role("form", name="Add a closed day")
    form.get_by_label("Date").fill(closing.isoformat())
    form.get_by_label("Reason (optional)").fill("Staff training")
    form.get_by_role("button", name="Close the clinic and re-plan").click()

    message = page.locator(".message-success")
    message.wait_for()
    injection.refresh_from_db()
    assert injection.due_date > closing
    text = message.inner_text()
    assert f"The clinic is closed on {_day(closing)}." in text
    assert f"Pat Jones (loading 2) {_day(closing)} → {_day(injection.due_date)}" in text
    assert ClosedDay.objects.get().reason == "Staff training"
    closed_list = page.locator("#closed table")
    assert f"{closing:%A} {closing.day} {closing:%B %Y}" in closed_list.inner_text()
    shot(page, "clinic-02-closed-day-added")
    assert_accessible(page, name="clinic settings after closing a day")

    # An invalid threshold: the error is shown, nothing is saved; corrected, it is saved.
    male = page.get_by_label("Hb lower limit of normal, men (g/L)")
    male.fill("1300")
    page.get_by_role("button", name="Save thresholds").click()
    page.get_by_text("Must be at most 200 g/L.").wait_for()
    assert page.get_by_text("Nothing was saved").is_visible()
    adam.clinic.refresh_from_db()
    assert adam.clinic.thresholds == {}
    shot(page, "clinic-03-threshold-error")
    assert_accessible(page, name="clinic settings with a threshold error")
    page.get_by_label("Hb lower limit of normal, men (g/L)").fill("125")
    page.get_by_role("button", name="Save thresholds").click()
    page.locator(".message-success").wait_for()
    assert "Saved the thresholds;" in page.locator(".message-success").inner_text()
    assert page.get_by_label("Hb lower limit of normal, men (g/L)").input_value() == "125"
    adam.clinic.refresh_from_db()
    assert adam.clinic.thresholds == {"hb_normal_male_g_l": 125}

    # The clinician sees the moved injection on the patient's plan.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "cara")
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    page.get_by_role("heading", name="JONES, Pat").wait_for()
    plan = page.locator(f"#enrollment-{injection.enrollment_id}")
    row = plan.locator("tr", has_text=_day(injection.due_date))
    assert row.count() >= 1 and _day(closing) not in plan.locator("table.events").first.inner_text()
    shot(page, "clinic-04-patient-plan-after-closing")


def test_clinicians_and_nurses_cannot_open_the_clinic_settings(page, live_server, clinic, nina):
    sign_in(page, live_server, "nina")
    page.get_by_role("heading", name=re.compile("^Today")).wait_for()
    assert page.get_by_role("link", name="Clinic", exact=True).count() == 0
    assert page.goto(f"{live_server.url}/clinic/").status == 403
