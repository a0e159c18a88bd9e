from datetime import date, timedelta

import time_machine

from clinics.models import User
from tests.alerts.helpers import at, enroll, give, lab
from tests.factories import PatientFactory

START = date(2026, 3, 2)


def test_iron_response_is_the_share_whose_hb_rose_20_by_4_weeks(cara, cara_web, clinic):
    for n, rise in enumerate((25, 20, 12)):
        patient = PatientFactory(clinic=clinic, mrn=f"O{n}", sex="male")
        lab(cara, patient, "hb", 90, START)
        enroll(cara, patient, "iron-oral-daily", START)
        lab(cara, patient, "hb", 90 + rise, START + timedelta(days=28))
    waiting = PatientFactory(clinic=clinic, mrn="O9")
    enroll(cara, waiting, "iron-oral-daily", START + timedelta(days=20))
    with time_machine.travel(at(START + timedelta(days=30)), tick=False):
        body = cara_web.get("/overview/").content.decode()
    assert "<strong>67%</strong> <small class=\"muted\">2 of 3</small>" in body
    assert "Hb up ≥ 20 g/L by 4 weeks of iron" in body


def test_the_adherence_distribution_counts_patients_per_band(cara, cara_web, clinic):
    patient = PatientFactory(clinic=clinic, mrn="D1")
    course = enroll(cara, patient, "b12-im-standard", date(2026, 1, 5))
    give(cara, course, "loading#1")
    give(cara, course, "loading#2", outcome="missed")
    with time_machine.travel(at(date(2026, 1, 8)), tick=False):
        body = cara_web.get("/overview/").content.decode()
    assert "last 28 days, 1 patient" in body
    assert '<th scope="row">50–79%</th><td class="num">1' in body


def test_an_administrator_adds_and_deactivates_staff(adam, adam_web, clinic):
    weak = adam_web.post("/staff/", {"username": "neil", "role": "nurse", "password": "123"})
    assert weak.status_code == 422 and "too short" in weak.content.decode()
    assert adam_web.post("/staff/", {"username": "neil", "first_name": "Neil", "role": "nurse",
                                     "password": "a long enough pass phrase"}).status_code == 302
    neil = User.objects.get(username="neil")
    assert (neil.clinic, neil.role) == (clinic, "nurse")
    adam_web.post(f"/staff/{neil.pk}/active/", {"active": "0"})
    neil.refresh_from_db()
    assert not neil.is_active
    adam_web.post(f"/staff/{adam.pk}/active/", {"active": "0"})
    adam.refresh_from_db()
    assert adam.is_active, "an administrator cannot lock themselves out"


def test_staff_of_another_clinic_cannot_be_touched(adam_web, otto):
    assert adam_web.post(f"/staff/{otto.pk}/active/", {"active": "0"}).status_code == 404
    otto.refresh_from_db()
    assert otto.is_active


def test_overview_statistics_are_a_snapshot_refreshed_every_10_minutes(cara, cara_web, clinic):
    from dashboard.models import OverviewSnapshot
    from dashboard.tasks import refresh_overview

    def enrolled_count(minute):
        with time_machine.travel(f"2026-03-02 09:{minute:02d}Z", tick=False):
            body = cara_web.get("/overview/").content.decode()
        return body.count('<th scope="row">Oral iron, daily</th>')

    assert enrolled_count(0) == 0
    enroll(cara, PatientFactory(clinic=clinic, mrn="S1"), "iron-oral-daily", date(2026, 3, 2))
    assert enrolled_count(5) == 0, "still the 09:00 snapshot"
    assert enrolled_count(11) == 1, "recomputed once older than 10 minutes"
    with time_machine.travel("2026-03-02 09:12Z", tick=False):
        refresh_overview(clinic.pk)
    assert OverviewSnapshot.objects.get(clinic=clinic).computed_at.minute == 12
