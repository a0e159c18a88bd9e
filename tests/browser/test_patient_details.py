"""A patient's details in a real browser: editing them through an error, the header that shows them, the plan
with dose times and readable rows, a timeline whose phase titles stay apart, and the printed plan as a PDF."""

import re
from pathlib import Path

import pytest

from patients.models import Patient
from patients.services import enrollment_create
from tests.browser.support import assert_accessible, now_local, shot, sign_in
from tests.factories import PatientFactory

#: Where each run leaves the printed plan (docs/img holds a copy chosen for the README; tests never write there).
PRINTED = Path(__file__).resolve().parents[2] / "test-artifacts" / "printed"


@pytest.fixture
def pat(open_every_day, cara, nina):
    clinic = open_every_day
    clinic.address, clinic.phone, clinic.email = "1 River Street\nLondon SE1 9AA", "020 7946 0000", "clinic@example.org"
    clinic.save()
    patient = PatientFactory(clinic=clinic, mrn="R0001", given_name="Pat", family_name="Jones", email="",
                             phone="")
    enrollment_create(actor=cara, patient=patient, protocol="b12-and-iron-concurrent",
                      start_date=now_local(clinic).date())
    return patient


def test_a_nurse_edits_a_patient_through_an_error_and_the_page_shows_the_new_details(page, live_server, pat, nina):
    sign_in(page, live_server, "nina")
    page.goto(f"{live_server.url}/patients/{pat.pk}/")
    page.get_by_role("link", name="Edit details").click()
    page.get_by_role("heading", name=re.compile("^Edit details")).wait_for()
    assert_accessible(page)

    page.get_by_label("Mobile phone").fill("12")
    page.get_by_label("Email").fill("pat@example")
    page.get_by_label("Oral dose time (patient's local time)").fill("19:30")
    page.get_by_label("Given name").fill("Patricia")
    page.get_by_role("button", name="Save details").click()
    page.get_by_text("Nothing was saved").wait_for()
    assert page.evaluate("document.activeElement.id") == "id_phone", "the first field in error has the focus"
    assert page.get_by_text(re.compile("is not a possible phone number")).is_visible()
    assert Patient.objects.get(pk=pat.pk).given_name == "Pat", "nothing half-saved"
    shot(page, "patient-edit-error")
    assert_accessible(page)

    page.get_by_label("Mobile phone").fill("07700 900123")
    page.get_by_label("Email").fill("pat@example.org")
    page.get_by_label("Remind by").select_option(label="Text message only")
    page.get_by_role("button", name="Save details").click()
    page.get_by_text("Saved Patricia Jones's details.").wait_for()
    header = page.locator(".patient-head")
    for text in ("JONES, Patricia", "+447700900123", "pat@example.org", "19:30"):
        assert text in header.inner_text(), text
    assert page.locator("table.events").first.get_by_text(re.compile(r"oral at 19:30")).count() > 0
    shot(page, "patient-after-edit")
    assert_accessible(page)

    page.get_by_role("link", name="Edit details").click()
    changes = page.get_by_role("table").last.inner_text()
    assert "Nina" in changes and "given name" in changes and "dose time" in changes


def test_the_plan_timeline_titles_stay_apart_and_inside(page, live_server, pat, cara):
    sign_in(page, live_server, "cara")
    page.goto(f"{live_server.url}/patients/{pat.pk}/")
    svg = page.locator("svg.timeline").first
    box = svg.bounding_box()
    labels = [label.bounding_box() for label in svg.locator("text.band-label").all()]
    assert len(labels) >= 3
    for i, a in enumerate(labels):
        assert box["x"] <= a["x"] and a["x"] + a["width"] <= box["x"] + box["width"] + 0.5, "cut at the edge"
        for b in labels[i + 1:]:
            apart = (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                     or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])
            assert apart, "phase titles overlap"
    svg.screenshot(path=str(PRINTED.parent / "screenshots" / "plan-timeline.png"))
    page.get_by_role("link", name=re.compile("The whole plan")).first.click()
    body = page.locator("main").inner_text()
    assert "Blood test: FBC, reticulocytes, B12, folate, ferritin, CRP" in body and "Clinician review" not in body[:0]
    assert not re.search(r"\bfbc fbc\b", body, re.I) and "oral at 08:00" in body
    shot(page, "enrollment-plan")
    assert_accessible(page)


def test_the_printed_plan_prints_without_navigation(page, live_server, pat, cara):
    sign_in(page, live_server, "cara")
    page.goto(f"{live_server.url}/patients/{pat.pk}/")
    page.get_by_role("link", name="Print plan").click()
    page.get_by_role("heading", name="Treatment plan for Pat Jones").wait_for()
    assert_accessible(page)
    shot(page, "printed-plan-screen")
    text = page.locator("main").inner_text()
    for expected in ("MRN R0001", "Vitamin B12 and oral iron together", "Ferrous sulfate 200 mg oral",
                     "every day at 08:00", "Hydroxocobalamin 1 mg IM", "FBC", "1 River Street", "020 7946 0000",
                     "Printed "):
        assert expected in text, expected
    assert page.get_by_role("navigation", name="Main").is_visible()

    page.emulate_media(media="print")
    assert not page.get_by_role("navigation", name="Main").is_visible(), "navigation prints"
    assert not page.get_by_role("button", name="Print this plan").is_visible(), "buttons print"
    assert page.get_by_text("Ferrous sulfate 200 mg oral").is_visible()
    PRINTED.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.screenshot(path=str(PRINTED / "printed-plan.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    (PRINTED / "printed-plan.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
    assert b"/overview/" not in pdf and b"/alerts/" not in pdf, "links of the navigation in the PDF"

    # The check above can see a printed navigation: the same page laid out for the screen prints its links.
    page.emulate_media(media="screen")
    assert b"/overview/" in page.pdf(format="A4")
