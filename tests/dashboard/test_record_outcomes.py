"""Recording from the pages: errors back into the row's form, declined with a reason, a dose given on an
earlier day, a home dose taken (reported by phone), Done today, the counts read again."""

from datetime import date

import pytest
import time_machine

from patients.models import Administration, ScheduledEvent
from tests.alerts.helpers import at, enroll
from tests.factories import PatientFactory

MONDAY = date(2026, 1, 5)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def course(cara, patient):
    return enroll(cara, patient, "b12-im-standard", MONDAY)


@pytest.fixture
def iron(cara, clinic):
    person = PatientFactory(clinic=clinic, mrn="I0001", given_name="Ida", family_name="Ferris")
    return enroll(cara, person, "iron-oral-daily", MONDAY)


def event(course, key):
    return ScheduledEvent.objects.get(enrollment=course, key=key)


def post(client, url, data, on=MONDAY, hour=11, htmx=True):
    with time_machine.travel(at(on, hour), tick=False):
        return client.post(url, data, **(HTMX if htmx else {}))


def test_a_form_error_comes_back_into_the_rows_form_slot(nina_web, course):
    ev = event(course, "loading#1")
    response = post(nina_web, f"/events/{ev.pk}/given/", {"site": "deltoid-left", "lot_number": "  ", "dose_mg": "1",
                                                          "given_at": "2026-01-05T10:30"})
    assert response.status_code == 422
    assert (response["HX-Retarget"], response["HX-Reswap"]) == (f"#form-{ev.pk}", "innerHTML")
    body = response.content.decode()
    assert 'hx-target="#event-' in body and "Not recorded yet for" in body and "autofocus" in body
    assert not Administration.objects.exists()


def test_a_dose_given_yesterday_is_recorded_with_its_date(nina_web, course):
    ev = event(course, "loading#1")
    response = post(nina_web, f"/events/{ev.pk}/given/", {"site": "deltoid-left", "lot_number": "L1", "dose_mg": "1",
                                                          "given_at": "2026-01-05T16:45"}, on=date(2026, 1, 6))
    assert response.status_code == 200 and response["HX-Trigger"] == "dose-recorded"
    record = Administration.objects.get()
    assert record.occurred_on == MONDAY and record.occurred_at == at(MONDAY, 16).replace(minute=45)


@pytest.mark.parametrize(("given_at", "message"), [
    ("2026-01-06T09:00", "is in the future"),
    ("2026-01-04T09:00", "before this dose is due"),
    ("2026-13-40T09:00", "Enter a date and time"),
    ("9" * 500, "Enter a date and time"),
])
def test_given_at_out_of_bounds_is_refused_in_the_form(nina_web, course, given_at, message):
    ev = event(course, "loading#1")
    response = post(nina_web, f"/events/{ev.pk}/given/", {"site": "deltoid-left", "lot_number": "L1", "dose_mg": "1",
                                                          "given_at": given_at})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Administration.objects.exists()


def test_declined_needs_a_reason_and_keeps_it(nina_web, course):
    ev = event(course, "loading#1")
    refused = post(nina_web, f"/events/{ev.pk}/declined/", {"reason": "  "})
    assert refused.status_code == 422 and "say why the patient declined" in refused.content.decode()
    assert not Administration.objects.exists()
    response = post(nina_web, f"/events/{ev.pk}/declined/", {"reason": "Needle phobia, will discuss"})
    assert response.status_code == 200
    record = Administration.objects.get()
    assert (record.outcome, record.note) == ("declined", "Needle phobia, will discuss")
    assert "Needle phobia" in response.content.decode()


def test_an_unknown_outcome_or_an_overlong_reason_is_refused(nina_web, course):
    ev = event(course, "loading#1")
    assert post(nina_web, f"/events/{ev.pk}/given-twice/", {}).status_code == 422
    assert post(nina_web, f"/events/{ev.pk}/declined/", {"reason": "x" * 501}).status_code == 422
    assert not Administration.objects.exists()


def test_a_home_dose_taken_is_recorded_as_reported_by_phone(nina, nina_web, iron, course):
    ev = ScheduledEvent.objects.filter(enrollment=iron, kind="dose").order_by("due_date").first()
    form = nina_web.get(f"/events/{ev.pk}/taken/", **HTMX)
    assert form.status_code == 200 and "Record taken" in form.content.decode()
    response = post(nina_web, f"/events/{ev.pk}/taken/", {"taken_at": "2026-01-05T08:15", "note": "with breakfast"})
    assert response.status_code == 200 and f'id="plan-event-{ev.pk}"' in response.content.decode()
    record = Administration.objects.get()
    assert (record.outcome, record.source, record.recorded_by, record.note, record.route) == (
        "given", "phone", nina, "with breakfast", "oral")

    clinic_dose = event(course, "loading#1")
    refused = post(nina_web, f"/events/{clinic_dose.pk}/taken/", {"taken_at": "2026-01-05T08:15"})
    assert refused.status_code == 422 and Administration.objects.count() == 1


def test_done_today_stays_on_today_and_the_counts_are_read_again(nina_web, course):
    ev = event(course, "loading#1")
    post(nina_web, f"/events/{ev.pk}/given/", {"site": "deltoid-left", "lot_number": "DT-1", "dose_mg": "1",
                                               "given_at": "2026-01-05T10:30"})
    with time_machine.travel(at(MONDAY, 12), tick=False):
        body = nina_web.get("/").content.decode()
        summary = nina_web.get("/?part=summary", **HTMX).content.decode()
        assert nina_web.get("/?part=nothing").status_code == 400
    done = body[body.index('id="done-today"'):]
    assert "JONES, Pat" in done and "DT-1" in done and "Nina" in done
    assert f'id="event-{ev.pk}"' not in body
    assert "0 injections due today" in summary and 'id="today-summary"' in summary
