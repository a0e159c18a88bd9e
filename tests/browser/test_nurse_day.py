"""A nurse's whole day on the Today page and the record forms, in Chromium (Playwright).

Form errors come back into the right row and the correction records; declined (with a reason) and a dose
given yesterday (with its real date); a home dose taken, reported by phone; Done today survives a reload;
the counts and the Alerts badge follow; focus moves to the next row; the printed worklist.
Screenshots go to test-artifacts/screenshots/ (nurse-day-*).
"""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from alerts.models import Alert
from alerts.services import alert_raise
from patients.models import Administration, ScheduledEvent
from patients.services import enrollment_create
from tests.browser.support import SCREENSHOTS, assert_accessible, now_local, shot, sign_in
from tests.factories import PatientFactory


@pytest.fixture
def day(open_every_day, cara):
    """Three patients starting B12 today (ADAMS, JONES, YOUNG in the list), one whose first injection was
    due yesterday, one on daily oral iron (home doses)."""
    clinic = open_every_day
    today = now_local(clinic).date()
    people = {}
    for mrn, given, family in (("N0001", "Lee", "Adams"), ("N0002", "Pat", "Jones"), ("N0003", "Zoe", "Young")):
        patient = PatientFactory(clinic=clinic, mrn=mrn, given_name=given, family_name=family)
        people[given] = (patient, enrollment_create(actor=cara, patient=patient, protocol="b12-im-standard",
                                                    start_date=today))
    late = PatientFactory(clinic=clinic, mrn="N0004", given_name="Ron", family_name="Baker", sex="male")
    people["Ron"] = (late, enrollment_create(actor=cara, patient=late, protocol="b12-im-standard",
                                             start_date=today - timedelta(days=1)))
    iron = PatientFactory(clinic=clinic, mrn="N0005", given_name="Ida", family_name="Ferris")
    people["Ida"] = (iron, enrollment_create(actor=cara, patient=iron, protocol="iron-oral-daily", start_date=today))
    return people


def first_dose(enrollment, key="loading#1") -> ScheduledEvent:
    return ScheduledEvent.objects.get(enrollment=enrollment, key=key)


def minutes_ago(clinic, minutes):
    """A few minutes ago, but today (the dose's window opens today)."""
    now = now_local(clinic)
    return max(now - timedelta(minutes=minutes), now.replace(hour=0, minute=0, second=0, microsecond=0))


def open_today(page, live_server, who="nina"):
    sign_in(page, live_server, who)
    page.get_by_role("heading", name=re.compile("^Today")).wait_for()
    page.wait_for_load_state("load")  # htmx is loaded (deferred)


def test_a_form_error_on_today_stays_in_its_row_and_the_correction_records(page, live_server, day, nina):
    pat, course = day["Pat"]
    event = first_dose(course)
    open_today(page, live_server)
    summary = page.locator("#today-summary")
    assert "3 injections due today" in summary.inner_text()

    page.get_by_role("link", name="Given… record loading dose 1 for Pat Jones").click()
    form = page.get_by_role("form", name="Record hydroxocobalamin given to Pat Jones")
    form.get_by_label("Lot number").fill("   ")  # passes the browser's check, not the server's
    form.get_by_role("button", name="Record given").click()
    row = page.locator(f"#event-{event.pk}")
    row.get_by_text("Not recorded yet for Pat Jones").wait_for()
    assert "JONES, Pat" in row.inner_text(), "the error shows in Pat Jones's own row, under her name"
    assert "This field is required" in row.locator(".field.has-error").inner_text()
    assert page.get_by_role("form", name=re.compile("^Record hydroxocobalamin given to")).count() == 1
    shot(page, "nurse-day-01-today-error-in-row")
    assert_accessible(page, name="Today with a form error")
    assert not Administration.objects.exists()

    form.get_by_label("Lot number").fill("HX-101")
    form.get_by_role("button", name="Record given").click()
    row.get_by_text("Plan re-computed").wait_for()
    record = Administration.objects.get()
    assert (record.event_id, record.lot_number, record.recorded_by) == (event.pk, "HX-101", nina)

    # The next row's first action has the focus; the counts were read again.
    zoe_given = page.get_by_role("link", name="Given… record loading dose 1 for Zoe Young")
    expect(zoe_given).to_be_focused()
    expect(summary).to_contain_text("2 injections due today")
    shot(page, "nurse-day-02-today-recorded")

    page.reload()
    done = page.get_by_role("region", name="Done today")
    assert "JONES, Pat" in done.inner_text() and "HX-101" in done.inner_text() and "Nina" in done.inner_text()
    assert page.locator(f"#event-{event.pk}").count() == 0
    shot(page, "nurse-day-03-today-done-today")
    assert_accessible(page, name="Today with Done today")


def test_a_form_error_on_the_patient_page_stays_in_its_row_and_the_correction_records(page, live_server, day, nina):
    pat, course = day["Pat"]
    event = first_dose(course)
    sign_in(page, live_server, "nina")
    page.goto(f"{live_server.url}/patients/{pat.pk}/")
    page.get_by_role("heading", name="JONES, Pat").wait_for()
    page.get_by_role("link", name="Given… record loading dose 1 for Pat Jones").click()
    form = page.get_by_role("form", name="Record hydroxocobalamin given to Pat Jones")
    form.get_by_label("Lot number").fill("HX-202")
    tomorrow = now_local(pat.clinic) + timedelta(days=1)
    form.get_by_label("Given at").fill(f"{tomorrow:%Y-%m-%d}T10:00")
    form.get_by_role("button", name="Record given").click()
    row = page.locator(f"#event-{event.pk}")
    row.get_by_text("is in the future").wait_for()
    shot(page, "nurse-day-04-patient-error-in-row")
    assert_accessible(page, name="patient page with a form error")
    assert not Administration.objects.exists()

    earlier = minutes_ago(pat.clinic, 5)
    form.get_by_label("Given at").fill(f"{earlier:%Y-%m-%dT%H:%M}")
    form.get_by_role("button", name="Record given").click()
    row.get_by_text("Plan re-computed").wait_for()
    assert Administration.objects.get().lot_number == "HX-202"
    shot(page, "nurse-day-05-patient-recorded")


def test_declined_with_a_reason_and_a_dose_given_yesterday(page, live_server, day, nina):
    adams, adams_course = day["Lee"]
    ron, ron_course = day["Ron"]
    open_today(page, live_server)

    page.locator(f"#event-{first_dose(adams_course).pk}").get_by_text("Declined…").click()
    page.get_by_label("Why did Lee decline?").fill("Feels unwell today, will come Friday")
    page.get_by_role("button", name="Record loading dose 1 for Lee Adams as declined").click()
    page.locator(f"#event-{first_dose(adams_course).pk}").get_by_text("Feels unwell today").wait_for()
    declined = Administration.objects.get(event__enrollment=adams_course)
    assert (declined.outcome, declined.note) == ("declined", "Feels unwell today, will come Friday")

    yesterday = now_local(ron.clinic) - timedelta(days=1)
    page.get_by_role("link", name="Given… record loading dose 1 for Ron Baker").click()
    form = page.get_by_role("form", name="Record hydroxocobalamin given to Ron Baker")
    form.get_by_label("Lot number").fill("HX-303")
    form.get_by_label("Given at").fill(f"{yesterday:%Y-%m-%d}T14:30")
    shot(page, "nurse-day-06-given-yesterday-form")
    form.get_by_role("button", name="Record given").click()
    page.locator(f"#event-{first_dose(ron_course).pk}").get_by_text("Plan re-computed").wait_for()
    given = Administration.objects.get(event__enrollment=ron_course)
    assert given.occurred_on == yesterday.date()
    assert given.occurred_at.astimezone(ron.clinic.zone).strftime("%H:%M") == "14:30"
    shot(page, "nurse-day-07-declined-and-yesterday")
    assert_accessible(page, name="Today after declined and given yesterday")


def test_a_home_dose_taken_is_recorded_on_the_patients_behalf(page, live_server, day, nina):
    ida, course = day["Ida"]
    event = ScheduledEvent.objects.filter(enrollment=course, kind="dose").order_by("due_date").first()
    sign_in(page, live_server, "nina")
    page.goto(f"{live_server.url}/patients/{ida.pk}/")
    page.get_by_role("heading", name="FERRIS, Ida").wait_for()
    taken = page.get_by_role("link", name=re.compile(r"^Taken… record .* as taken, reported by phone")).first
    taken.click()
    form = page.get_by_role("form", name=re.compile("^Record .* taken by Ida Ferris"))
    tomorrow = now_local(ida.clinic) + timedelta(days=1)
    form.get_by_label("Taken at").fill(f"{tomorrow:%Y-%m-%d}T08:00")
    form.get_by_role("button", name="Record taken").click()
    page.locator(f"#plan-event-{event.pk}").get_by_text("is in the future").wait_for()
    assert not Administration.objects.exists()
    earlier = minutes_ago(ida.clinic, 10)
    form.get_by_label("Taken at").fill(f"{earlier:%Y-%m-%dT%H:%M}")
    form.get_by_label("Note (optional)").fill("Phoned: took it with breakfast")
    form.get_by_role("button", name="Record taken").click()
    page.locator(f"#plan-event-{event.pk}").get_by_text("reported by phone, recorded by Nina").wait_for()
    assert page.locator(f"#plan-event-{event.pk}").get_by_role("link", name=re.compile("^Taken…")).count() == 0
    record = Administration.objects.get(event=event)
    assert (record.outcome, record.source, record.recorded_by, record.note) == (
        "given", "phone", nina, "Phoned: took it with breakfast")
    shot(page, "nurse-day-08-home-dose-taken")
    assert_accessible(page, name="patient page after a home dose taken")

    page.goto(f"{live_server.url}/")
    assert "taken at home, reported by phone" in page.get_by_role("region", name="Done today").inner_text()


def test_the_alerts_badge_follows_an_acknowledgement(page, live_server, day, cara):
    pat, _ = day["Pat"]
    for n in range(2):
        alert_raise(patient=pat, code="dose-missed", message=f"Missed {n}", facts={"n": n}, fingerprint=f"nd{n}")
    open_today(page, live_server, "cara")
    page.get_by_role("link", name=re.compile("^Alerts")).click()
    page.get_by_role("heading", name="Alerts").wait_for()
    page.wait_for_load_state("load")  # htmx is loaded (deferred)
    badge = page.locator("#nav-alert-count")
    assert badge.inner_text().strip() == "2"
    alert = Alert.objects.filter(patient=pat).order_by("id").first()
    page.locator(f"#alert-{alert.pk}").get_by_role("button", name=re.compile("^Acknowledge")).click()
    page.locator(f"#alert-{alert.pk}").get_by_text("Acknowledged by").wait_for()
    expect(badge).to_have_text(re.compile(r"^\s*1\s*$"))
    shot(page, "nurse-day-09-alerts-badge")


def test_the_printed_worklist_has_the_list_and_no_navigation_or_buttons(page, live_server, day, nina):
    open_today(page, live_server)
    link = page.get_by_role("link", name="Print worklist")
    assert link.get_attribute("href").startswith("?all=1")
    page.goto(f"{live_server.url}/?all=1")
    page.emulate_media(media="print")
    assert page.get_by_role("heading", name="Injections due today").is_visible()
    assert page.get_by_text("JONES, Pat").is_visible()
    assert not page.locator("header.topbar").is_visible(), "navigation is not printed"
    assert not page.get_by_role("link", name="Given… record loading dose 1 for Pat Jones").is_visible()
    assert page.locator("button:visible").count() == 0, "no buttons on paper"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "nurse-day-10-print-worklist.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=False)
    (SCREENSHOTS / "nurse-day-10-print-worklist.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000
    page.emulate_media(media="screen")
    assert page.locator("header.topbar").is_visible()
