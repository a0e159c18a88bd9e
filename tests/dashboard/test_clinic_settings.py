"""Clinic administrators keep the clinic's settings from the staff pages; calendar changes re-plan."""

from datetime import date, timedelta

import pytest
import time_machine

from clinics.models import Clinic, ClosedDay
from reminders.models import ClinicReminderSettings
from tests.alerts.helpers import at, enroll, event
from tests.factories import PatientFactory

MONDAY = date(2026, 3, 2)


@pytest.fixture
def course(clinic, cara):
    patient = PatientFactory(clinic=clinic, mrn="S0001", given_name="Pat", family_name="Jones")
    return enroll(cara, patient, "b12-im-standard", MONDAY)


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(at(MONDAY, 9), tick=False):
        yield


def test_only_administrators_open_or_change_the_clinic_settings(cara_web, nina_web, adam_web, clinic):
    assert adam_web.get("/clinic/").status_code == 200
    for client in (cara_web, nina_web):
        assert client.get("/clinic/").status_code == 403
        assert client.post("/clinic/closed-days/", {"date": "2026-03-04"}).status_code == 403
        assert client.post("/clinic/thresholds/", {"hb_normal_male_g_l": "100"}).status_code == 403
    assert not ClosedDay.objects.exists()


def test_a_closed_day_moves_the_injection_planned_on_it(adam, adam_web, clinic, course):
    wednesday = MONDAY + timedelta(days=2)
    planned = event(course, "loading#2")
    assert planned.due_date == wednesday
    response = adam_web.post("/clinic/closed-days/", {"date": "2026-03-04", "reason": "Staff training"}, follow=True)
    body = response.content.decode()
    assert "The clinic is closed on Wed 4 Mar." in body
    assert "Re-planned 1 enrollment" in body and "Pat Jones (loading 2) Wed 4 Mar → Fri 6 Mar" in body
    planned.refresh_from_db()
    assert planned.due_date == MONDAY + timedelta(days=4)
    closed = ClosedDay.objects.get()
    assert (closed.date, closed.reason) == (wednesday, "Staff training")
    assert closed.history.get().history_user == adam
    assert "Staff training" in adam_web.get("/clinic/").content.decode()

    again = adam_web.post("/clinic/closed-days/", {"date": "2026-03-04"})
    assert again.status_code == 422 and "already closed" in again.content.decode()

    removed = adam_web.post(f"/clinic/closed-days/{closed.pk}/remove/", follow=True).content.decode()
    assert "The clinic is open again on Wed 4 Mar." in removed
    planned.refresh_from_db()
    assert planned.due_date == wednesday
    assert not ClosedDay.objects.exists()
    assert ClosedDay.history.filter(history_type="-").get().history_user == adam


@pytest.mark.parametrize("day, message", [
    ("2026-03-01", "must be today or later"),
    ("2031-03-01", "within 3 years"),
    ("not a date", "Enter a valid date"),
    ("", "This field is required"),
])
def test_a_bad_closed_day_is_refused_with_nothing_saved(adam_web, clinic, course, day, message):
    response = adam_web.post("/clinic/closed-days/", {"date": day, "reason": "x"})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ClosedDay.objects.exists()
    assert event(course, "loading#2").due_date == MONDAY + timedelta(days=2)


def test_a_past_closed_day_cannot_be_removed(adam_web, clinic):
    past = ClosedDay.objects.create(clinic=clinic, date=MONDAY - timedelta(days=7))
    body = adam_web.post(f"/clinic/closed-days/{past.pk}/remove/", follow=True).content.decode()
    assert "A past closed day stays on record" in body
    assert ClosedDay.objects.filter(pk=past.pk).exists()
    for pk in ("99999", "99999999999999999999999"):
        missing = adam_web.post(f"/clinic/closed-days/{pk}/remove/", follow=True)
        assert "That closed day does not exist" in missing.content.decode()
    assert adam_web.get("/clinic/closed-days/1/remove/").status_code == 405


def test_changing_injection_days_re_plans_and_refuses_days_the_clinic_is_closed(adam_web, clinic, course):
    bad = adam_web.post("/clinic/days/", {"open_days": ["mon", "tue"], "injection_days": ["mon", "sat"]})
    assert bad.status_code == 422 and "only be given on days the clinic is open" in bad.content.decode()
    none = adam_web.post("/clinic/days/", {"open_days": ["mon"]})
    assert none.status_code == 422 and "Choose at least one day (injection days)." in none.content.decode()
    clinic.refresh_from_db()
    assert (clinic.open_days, clinic.injection_days) == ("mon,tue,wed,thu,fri", "mon,wed,fri")

    body = adam_web.post("/clinic/days/", {"open_days": ["mon", "tue", "wed", "thu", "fri"],
                                           "injection_days": ["tue", "thu"]}, follow=True).content.decode()
    assert "Saved the open and injection days. Re-planned 1 enrollment" in body
    clinic.refresh_from_db()
    assert clinic.injection_days == "tue,thu"
    assert event(course, "loading#2").due_date.weekday() in (1, 3)
    assert clinic.history.first().history_user.username == "adam"


def test_thresholds_are_bounded_and_saved_only_when_all_are_valid(adam_web, clinic, monkeypatch,
                                                                django_capture_on_commit_callbacks):
    from clinics.thresholds import THRESHOLDS

    values = {name: f"{info.default:g}" for name, info in THRESHOLDS.items()}
    page = adam_web.get("/clinic/").content.decode()
    assert "Default 130 g/L" in page and "Hb lower limit of normal, men (g/L)" in page
    bad = adam_web.post("/clinic/thresholds/", {**values, "hb_normal_male_g_l": "1300", "crp_raised_mg_l": "8"})
    assert bad.status_code == 422
    assert "Must be at most 200 g/L." in bad.content.decode()
    for wrong, message in (("abc", "Enter a number."), ("12.5", "Use whole days."), ("-1", "Must be at least 0 days.")):
        response = adam_web.post("/clinic/thresholds/", {**values, "dose_missed_overdue_days": wrong})
        assert response.status_code == 422 and message in response.content.decode()
    crossed = adam_web.post("/clinic/thresholds/", {**values, "b12_deficient_ng_l": "400"})
    assert crossed.status_code == 422 and "must be above" in crossed.content.decode()
    clinic.refresh_from_db()
    assert clinic.thresholds == {}

    from alerts import tasks

    swept = []
    monkeypatch.setattr(tasks.alerts_sweep_clinic, "delay", swept.append)
    with django_capture_on_commit_callbacks(execute=True):
        ok = adam_web.post("/clinic/thresholds/", {**values, "crp_raised_mg_l": "8", "tsat_deficient_pct": "16.5"})
    assert ok.status_code == 302 and swept == [clinic.pk]
    clinic.refresh_from_db()
    assert clinic.thresholds == {"crp_raised_mg_l": 8, "tsat_deficient_pct": 16.5}
    assert clinic.threshold("crp_raised_mg_l") == 8.0


def test_an_hb_limit_change_re_plans(adam_web, clinic, course):
    from clinics.thresholds import THRESHOLDS

    values = {name: f"{info.default:g}" for name, info in THRESHOLDS.items()}
    response = adam_web.post("/clinic/thresholds/", {**values, "hb_normal_female_g_l": "115"}, follow=True)
    assert response.status_code == 200
    assert Clinic.objects.get().thresholds == {"hb_normal_female_g_l": 115}


def test_reminder_settings_and_details_are_saved_with_clear_errors(adam_web, clinic):
    form = {"patient_channels": ["sms"], "dose_reminders": "on", "appointment_reminders": "on",
            "appointment_reminder_days_before": "2", "appointment_reminder_time": "17:30",
            "appointments_start_at": "09:00", "lab_reminder_time": "09:00", "worklist_enabled": "on",
            "worklist_time": "07:00", "quiet_hours_start": "21:00", "quiet_hours_end": "08:00"}
    bad = adam_web.post("/clinic/reminders/", {**form, "appointment_reminder_days_before": "30"})
    assert bad.status_code == 422 and "less than or equal to 7" in bad.content.decode()
    assert adam_web.post("/clinic/reminders/", {**form, "patient_channels": []}).status_code == 422
    assert adam_web.post("/clinic/reminders/", form).status_code == 302
    saved = ClinicReminderSettings.for_clinic(clinic)
    assert (saved.patient_channels, saved.appointment_reminder_days_before, saved.lab_reminders) == ("sms", 2, False)

    assert adam_web.post("/clinic/details/", {"name": "", "language": "en"}).status_code == 422
    assert adam_web.post("/clinic/details/", {"name": "North Clinic", "language": "xx"}).status_code == 422
    assert adam_web.post("/clinic/details/", {"name": "North Clinic", "language": "en"}).status_code == 302
    clinic.refresh_from_db()
    assert clinic.name == "North Clinic" and not clinic.reminder_details_opt_in


def test_the_contact_printed_on_patients_plans_is_kept_from_the_clinic_page(clinic, adam_web):
    details = {"name": clinic.name, "language": "en"}
    bad = adam_web.post("/clinic/details/", {**details, "phone": "0" * 41, "email": "not an address"})
    assert bad.status_code == 422 and "Enter a valid email address" in bad.content.decode()
    clinic.refresh_from_db()
    assert clinic.phone == "" and clinic.email == ""
    contact = {"address": "1 High Street\nNorthtown NT1 1AA", "phone": "01632 960000", "email": "desk@north.example"}
    assert adam_web.post("/clinic/details/", {**details, **contact}).status_code == 302
    clinic.refresh_from_db()
    assert (clinic.address, clinic.phone, clinic.email) == tuple(contact.values())
    assert "01632 960000" in adam_web.get("/clinic/").content.decode()


def test_a_closed_day_added_in_the_django_admin_re_plans_too(clinic, course, django_user_model):
    from django.test import Client

    operator = django_user_model.objects.create_superuser("operator", "op@example.org", "x-long-password-1")
    client = Client()
    client.force_login(operator)
    data = {"slug": clinic.slug, "name": clinic.name, "timezone": clinic.timezone, "country": clinic.country,
            "open_days": clinic.open_days, "injection_days": clinic.injection_days,
            "planning_horizon_months": clinic.planning_horizon_months, "thresholds": "{}",
            "language": clinic.language,
            "closed_days-TOTAL_FORMS": "1", "closed_days-INITIAL_FORMS": "0",
            "closed_days-MIN_NUM_FORMS": "0", "closed_days-MAX_NUM_FORMS": "1000",
            "closed_days-0-date": "2026-03-04", "closed_days-0-reason": "Training", "closed_days-0-clinic": clinic.pk}
    response = client.post(f"/admin/clinics/clinic/{clinic.pk}/change/", data, follow=True)
    assert response.status_code == 200
    assert ClosedDay.objects.filter(date=MONDAY + timedelta(days=2)).exists(), response.content.decode()[:3000]
    assert "Re-planned 1 enrollment(s)" in response.content.decode()
    assert event(course, "loading#2").due_date == MONDAY + timedelta(days=4)


def test_the_settings_page_costs_the_same_queries_with_more_patients_and_closed_days(clinic, cara, adam_web):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        adam_web.get("/clinic/")
        with CaptureQueriesContext(connection) as queries:
            assert adam_web.get("/clinic/").status_code == 200
        return len(queries)

    PatientFactory(clinic=clinic, mrn="Q0")
    ClosedDay.objects.create(clinic=clinic, date=MONDAY + timedelta(days=3))
    one = count()
    for n in range(1, 50):
        PatientFactory(clinic=clinic, mrn=f"Q{n}")
    for n in range(4, 24):
        ClosedDay.objects.create(clinic=clinic, date=MONDAY + timedelta(days=n))
    assert count() == one <= 8


def test_a_big_clinic_is_re_planned_in_the_background(adam_web, clinic, course, monkeypatch,
                                                      django_capture_on_commit_callbacks):
    from clinics import services, tasks

    monkeypatch.setattr(services, "REPLAN_IN_REQUEST_MAX", 0)
    queued = []
    monkeypatch.setattr(tasks.clinic_replan_all, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        body = adam_web.post("/clinic/days/", {"open_days": ["mon", "tue", "wed", "thu", "fri"],
                                               "injection_days": ["tue", "thu"]}, follow=True).content.decode()
    assert "1 active enrollments are being re-planned in the background" in body
    assert queued == [clinic.pk]
    assert event(course, "loading#2").due_date == MONDAY + timedelta(days=2)  # not yet
    assert tasks.clinic_replan_all(clinic.pk) > 0
    assert event(course, "loading#2").due_date.weekday() in (1, 3)


def test_a_change_the_plans_cannot_follow_is_rolled_back(adam_web, clinic, course, monkeypatch):
    import patients.services

    def refuse(enrollment, today=None):
        raise ValueError("the clinic calendar has no open day in the next two years")

    monkeypatch.setattr(patients.services, "enrollment_replan", refuse)
    response = adam_web.post("/clinic/closed-days/", {"date": "2026-03-04"})
    assert response.status_code == 422
    assert "could not be re-computed" in response.content.decode()
    assert not ClosedDay.objects.exists()
