"""Today: injections due and overdue, each recorded as given or missed in one or two clicks."""

from datetime import date

import pytest
import time_machine

from alerts.models import Alert
from patients.models import Administration, ScheduledEvent
from tests.alerts.helpers import at, enroll, give
from tests.factories import PatientFactory

MONDAY = date(2026, 1, 5)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def course(cara, patient):
    return enroll(cara, patient, "b12-im-standard", MONDAY)


def event(course, key):
    return ScheduledEvent.objects.get(enrollment=course, key=key)


def given(client, ev, on=MONDAY, hour=11, **data):
    body = {"site": "deltoid-right", "lot_number": "LOT-9", "dose_mg": "1", "given_at": "10:30", **data}
    with time_machine.travel(at(on, hour), tick=False):
        return client.post(f"/events/{ev.pk}/given/", body, **HTMX)


def test_todays_injections_are_listed_with_record_buttons(nina_web, course):
    with time_machine.travel(at(MONDAY, 8), tick=False):
        body = nina_web.get("/").content.decode()
    assert "1 injection due today" in body and "JONES, Pat" in body
    assert f"/events/{event(course, 'loading#1').pk}/given/" in body


def test_an_overdue_course_shows_only_its_earliest_open_dose(nina_web, course):
    with time_machine.travel(at(date(2026, 1, 9), 8), tick=False):
        body = nina_web.get("/").content.decode()
    assert "0 injections due today" in body and "1 overdue" in body
    assert "loading dose 1" in body and "loading dose 3" not in body
    assert "3 doses behind" in body


def test_a_course_behind_is_counted_once_as_overdue_not_again_as_due_today(cara, nina_web, course, clinic):
    on_time = enroll(cara, PatientFactory(clinic=clinic, mrn="R0002", family_name="Adams"), "b12-im-standard",
                     date(2026, 1, 12))
    with time_machine.travel(at(date(2026, 1, 12), 8), tick=False):
        body = nina_web.get("/").content.decode()
    assert "1 injection due today" in body and "1 overdue" in body
    assert "4 doses behind" in body, "Pat's loading doses 1 to 4, the fourth due today"
    assert f"/events/{event(on_time, 'loading#1').pk}/given/" in body
    assert f"/events/{event(course, 'loading#4').pk}/given/" not in body


def test_each_section_shows_its_oldest_first_and_counts_the_rest(cara, nina_web, clinic):
    from dashboard.selectors.today import SECTION_LIMIT

    names = [f"Name{n:02d}" for n in range(SECTION_LIMIT + 2)]
    for n, name in enumerate(reversed(names)):
        enroll(cara, PatientFactory(clinic=clinic, mrn=f"S{n:04d}", family_name=name), "b12-im-standard", MONDAY)
    with time_machine.travel(at(MONDAY, 8), tick=False):
        body = nina_web.get("/").content.decode()
    assert f"{SECTION_LIMIT + 2} injections due today" in body and "and 2 more" in body
    shown = [name for name in names if name.upper() in body]
    assert shown == names[:SECTION_LIMIT], "by name on the same day"
    with time_machine.travel(at(MONDAY, 8), tick=False):
        everything = nina_web.get("/?all=1").content.decode()
    assert all(name.upper() in everything for name in names) and "more." not in everything


def test_the_given_form_comes_pre_filled(cara, nina, nina_web, course, clinic):
    other = PatientFactory(clinic=clinic, mrn="R0009")
    other_course = enroll(cara, other, "b12-im-standard", MONDAY)
    given(nina_web, event(other_course, "loading#1"), lot_number="HX-1")
    with time_machine.travel(at(MONDAY, 11), tick=False):
        form = nina_web.get(f"/events/{event(course, 'loading#1').pk}/given/", **HTMX).content.decode()
    assert 'value="HX-1"' in form, "the lot this nurse last used"
    assert 'value="1"' in form, "the planned dose"
    assert '<option value="deltoid-left" selected>' in form
    given(nina_web, event(course, "loading#1"), site="deltoid-left")
    with time_machine.travel(at(date(2026, 1, 7), 9), tick=False):
        form = nina_web.get(f"/events/{event(course, 'loading#2').pk}/given/", **HTMX).content.decode()
    assert '<option value="deltoid-right" selected>' in form, "the other arm this time"


def test_recording_given_saves_it_and_shows_the_recomputed_plan(nina, nina_web, course):
    response = given(nina_web, event(course, "loading#1"))
    assert response.status_code == 200
    record = Administration.objects.get()
    assert (record.outcome, record.site, record.lot_number, record.dose_mg, record.route, record.recorded_by) == (
        "given", "deltoid-right", "LOT-9", 1, "IM", nina)
    assert record.occurred_at == at(MONDAY, 10).replace(minute=30), "10:30 in London is 10:30 UTC in January"
    body = response.content.decode()
    assert "Plan re-computed: next dose due <strong>Wed 7 Jan</strong>" in body


def test_without_htmx_it_redirects_back_with_a_message(nina_web, course):
    ev = event(course, "loading#1")
    with time_machine.travel(at(MONDAY, 11), tick=False):
        response = nina_web.post(f"/events/{ev.pk}/given/", {"site": "deltoid-left", "lot_number": "L1", "dose_mg": "1",
                                                             "given_at": "10:00", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"lot_number": ""}, "lot_number", "This field is required"),
    ({"dose_mg": "5"}, "dose_mg", "check the units"),
    ({"site": "forehead"}, "site", "Select a valid choice"),
    ({"given_at": "23:30"}, "given_at", "is in the future"),
])
def test_bad_input_gets_a_clear_error_and_saves_nothing(nina_web, course, data, field, message):
    response = given(nina_web, event(course, "loading#1"), **data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Administration.objects.exists()
    assert event(course, "loading#1").status == "planned"


def test_a_double_tap_records_once(nina_web, course):
    ev = event(course, "loading#1")
    key = f"web:{ev.pk}:given:{int(ev.updated_at.timestamp() * 1000)}"
    given(nina_web, ev, idempotency_key=key)
    assert given(nina_web, ev, idempotency_key=key).status_code == 200
    assert Administration.objects.count() == 1


def test_recording_missed_replans_and_raises_dose_missed(nina_web, course):
    ev = event(course, "loading#1")
    with time_machine.travel(at(MONDAY, 17), tick=False):
        response = nina_web.post(f"/events/{ev.pk}/missed/", **HTMX)
    assert response.status_code == 200
    assert "Plan re-computed: next dose due <strong>Wed 7 Jan</strong>" in response.content.decode()
    assert Administration.objects.get().outcome == "missed"
    assert Alert.objects.get().code == "dose-missed"
    assert ScheduledEvent.objects.filter(enrollment=course, phase="loading", kind="dose").count() == 7


def test_an_outcome_already_recorded_is_refused(cara, nina_web, course):
    give(cara, course, "loading#1")
    with time_machine.travel(at(MONDAY, 17), tick=False):
        response = nina_web.post(f"/events/{event(course, 'loading#1').pk}/missed/", **HTMX)
    assert response.status_code == 422
    assert "already recorded as given" in response.content.decode()
    assert Administration.objects.count() == 1


def test_an_unknown_outcome_is_refused(nina_web, course):
    with time_machine.travel(at(MONDAY, 17), tick=False):
        response = nina_web.post(f"/events/{event(course, 'loading#1').pk}/eaten/", **HTMX)
    assert response.status_code == 422 and not Administration.objects.exists()


def test_blood_tests_due_and_new_alerts_are_listed(cara, nina_web, course, patient):
    from alerts.services import alert_raise

    alert_raise(patient=patient, code="dose-missed", message="Call Pat", facts={}, fingerprint="t")
    with time_machine.travel(at(MONDAY, 8), tick=False):
        body = nina_web.get("/").content.decode()
    assert "baseline" in body and "Call Pat" in body and "1 new alert" in body
