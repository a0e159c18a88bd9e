"""Every staff page, as the role that uses it, with realistic data: axe-core finds no serious or critical
violation, and the page works by keyboard alone (Tab reaches its main action, which shows where focus is)."""

import re
from datetime import timedelta

import pytest

from alerts.models import Alert
from clinics.models import ClosedDay
from patients.models import ScheduledEvent
from patients.services import administration_record, enrollment_create, lab_result_record
from tests.browser.support import assert_accessible, now_local, shot, sign_in
from tests.factories import PatientFactory

#: Tab presses allowed to reach a page's main action (the menu comes first).
MAX_TABS = 80


@pytest.fixture
def clinic_day(open_every_day, cara, nina):
    """Patients on B12 and on oral iron, with results, recorded doses, an alert and a closed day ahead."""
    clinic = open_every_day
    today = now_local(clinic).date()
    pat = PatientFactory(clinic=clinic, mrn="A0001", given_name="Pat", family_name="Jones",
                         email="pat@example.org")
    b12 = enrollment_create(actor=cara, patient=pat, protocol="b12-im-standard", start_date=today - timedelta(days=2))
    first = ScheduledEvent.objects.filter(enrollment=b12, key="loading#1").get()
    administration_record(actor=nina, event=first, outcome="given", route="IM",
                          occurred_at=now_local(clinic) - timedelta(days=2), site="deltoid-left",
                          lot_number="HX1", dose_mg=1)
    iron = PatientFactory(clinic=clinic, mrn="A0002", given_name="Ida", family_name="Ferris",
                          date_of_birth=today.replace(year=today.year - 67))
    collected = now_local(clinic) - timedelta(days=35)
    lab_result_record(actor=nina, patient=iron, test="hb", value=98, unit="g/L", collected_at=collected)
    enrollment_create(actor=cara, patient=iron, protocol="iron-oral-daily", start_date=collected.date())
    lab_result_record(actor=nina, patient=iron, test="hb", value=104, unit="g/L",
                      collected_at=now_local(clinic) - timedelta(days=6))
    lee = PatientFactory(clinic=clinic, mrn="A0003", given_name="Lee", family_name="Adams", sex="male")
    starting = enrollment_create(actor=cara, patient=lee, protocol="b12-im-standard", start_date=today)
    ClosedDay.objects.create(clinic=clinic, date=today + timedelta(days=20), reason="Bank holiday")
    assert Alert.objects.filter(patient=iron).exists()
    return {"pat": pat, "b12": b12, "iron": iron,
            "due": ScheduledEvent.objects.get(enrollment=starting, key="loading#1")}


def _focus_ring(page) -> bool:
    """The focused element shows a focus style: an outline or a ring (box-shadow)."""
    return page.evaluate("""() => {
        const el = document.activeElement; if (!el || el === document.body) return false;
        const s = getComputedStyle(el);
        return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
    }""")


def _tab_to(page, target) -> str | None:
    """Press Tab until `target` has focus; a problem, or None."""
    if target.count() == 0:
        return "its main action is not on the page"
    target = target.first
    page.locator("body").evaluate("b => { document.activeElement && document.activeElement.blur(); }")
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return None if _focus_ring(page) else "the focused main action shows no focus style"
    return f"Tab did not reach its main action in {MAX_TABS} presses"


def _visit(page, live_server, path, main, *, status=200, name=""):
    """Open `path`; every problem found, as text (empty: none)."""
    response = page.goto(f"{live_server.url}{path}")
    problems = []
    if response.status != status:
        problems.append(f"status {response.status}, expected {status}")
    shot(page, f"a11y-{name or path.strip('/').replace('/', '-') or 'today'}")
    try:
        assert_accessible(page, name=path)
    except AssertionError as exc:
        problems.append(str(exc))
    problem = _tab_to(page, main(page))
    if problem:
        problems.append(problem)
    return [f"{path}: {p}" for p in problems]


def _check(page, live_server, pages):
    problems = []
    for path, main, *rest in pages:
        problems += _visit(page, live_server, path, main, **(rest[0] if rest else {}))
    assert not problems, "\n".join(problems)


def test_the_sign_in_page(page, live_server, clinic, nina):
    problems = _visit(page, live_server, "/login/", lambda p: p.get_by_role("button", name="Sign in"), name="login")
    assert not problems, "\n".join(problems)
    page.get_by_label("Username").focus()
    assert _focus_ring(page), "the username field shows no focus style"


def test_the_nurses_pages(page, live_server, clinic_day, nina):
    sign_in(page, live_server, "nina")
    page.get_by_role("heading", name=re.compile("^Today")).wait_for()
    pat, due = clinic_day["pat"], clinic_day["due"]
    _check(page, live_server, [
        ("/", lambda p: p.get_by_role("link", name=re.compile("^Given…"))),
        (f"/events/{due.pk}/given/", lambda p: p.get_by_role("button", name=re.compile("^Record")),
         {"name": "record-given"}),
        ("/patients/", lambda p: p.get_by_label("Search by name or MRN")),
        (f"/patients/{pat.pk}/", lambda p: p.get_by_role("button", name=re.compile("File|Add|Record")),
         {"name": "patient"}),
        ("/patients/new/", lambda p: p.get_by_label("MRN")),
        ("/alerts/", lambda p: p.get_by_role("button", name=re.compile("^Acknowledge"))),
        ("/help/", lambda p: p.get_by_role("link", name="Help")),
        ("/account/", lambda p: p.get_by_role("button", name=re.compile("Set up an authenticator|Issue a new key"))),
        ("/staff/", lambda p: p.get_by_role("link", name=re.compile("start page")), {"status": 403, "name": "403"}),
        ("/patients/999999/", lambda p: p.get_by_role("link", name=re.compile("start page|Today")),
         {"status": 404, "name": "404"}),
    ])


def test_the_clinicians_pages(page, live_server, clinic_day, cara):
    sign_in(page, live_server, "cara")
    page.get_by_role("heading", name=re.compile("^Today")).wait_for()
    pat, b12 = clinic_day["pat"], clinic_day["b12"]
    _check(page, live_server, [
        (f"/patients/{clinic_day['iron'].pk}/", lambda p: p.get_by_role("link", name="Enroll in a protocol"),
         {"name": "patient-iron"}),
        (f"/patients/{pat.pk}/enroll/", lambda p: p.get_by_role("button", name="Preview dates"), {"name": "enroll"}),
        (f"/enrollments/{b12.pk}/plan/", lambda p: p.get_by_role("link", name=re.compile("Back to the patient")),
         {"name": "enrollment-plan"}),
        (f"/patients/{pat.pk}/edit/", lambda p: p.get_by_role("button", name="Save details"), {"name": "patient-edit"}),
        (f"/patients/{pat.pk}/print/", lambda p: p.get_by_role("button", name="Print this plan"),
         {"name": "printed-plan"}),
        (f"/enrollments/{b12.pk}/stop/", lambda p: p.get_by_role("button", name=re.compile("^Stop")),
         {"name": "enrollment-stop"}),
        ("/overview/", lambda p: p.get_by_role("link", name=re.compile("overdue|Patients"))),
        ("/interfaces/", lambda p: p.get_by_role("button").last, {"name": "interfaces"}),
    ])


def test_the_administrators_pages(page, live_server, clinic_day, adam):
    sign_in(page, live_server, "adam")
    page.get_by_role("heading", name="Staff accounts").wait_for()
    _check(page, live_server, [
        ("/staff/", lambda p: p.get_by_role("button", name="Add")),
        ("/access-log/", lambda p: p.get_by_role("button", name="Show")),
        ("/clinic/", lambda p: p.get_by_role("button", name="Close the clinic and re-plan"), {"name": "clinic"}),
        ("/account/", lambda p: p.get_by_role("button", name=re.compile("Set up an authenticator|Issue a new key")),
         {"name": "account-admin"}),
    ])


def test_pages_in_their_working_states(page, live_server, clinic_day, cara):
    """Forms open, previews shown and errors on screen are checked too, not only the pages as they load."""
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("cara")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    page.locator(".form-errors, .field-error, [role=alert]").first.wait_for()
    shot(page, "a11y-login-error")
    assert_accessible(page, name="sign-in with a wrong password")

    sign_in(page, live_server, "cara")
    page.get_by_role("heading", name=re.compile("^Today")).wait_for()
    given = page.get_by_role("link", name="Given… record loading dose 1 for Lee Adams")
    assert _tab_to(page, given) is None
    page.keyboard.press("Enter")
    form = page.get_by_role("form", name=re.compile("^Record hydroxocobalamin given to Lee Adams"))
    form.wait_for()
    shot(page, "a11y-today-given-form")
    assert_accessible(page, name="Today with the Given form open")

    page.goto(f"{live_server.url}/patients/{clinic_day['pat'].pk}/enroll/")
    page.get_by_label("Protocol").select_option(label="Oral iron, daily")
    page.get_by_role("button", name="Preview dates").click()
    page.get_by_role("region", name=re.compile("^Preview")).wait_for()
    shot(page, "a11y-enroll-preview")
    assert_accessible(page, name="enroll with a preview")
