"""Every page reads a fixed number of queries, however many patients it shows (1 or 50)."""

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.services import alert_raise
from tests.alerts.helpers import at, enroll, give, lab
from tests.factories import PatientFactory

START = date(2026, 1, 5)
TODAY = date(2026, 1, 12)
PROTOCOLS = ("b12-and-iron-concurrent", "iron-oral-daily", "b12-im-standard")  # the first has both arms
#: Including the session, the user, the clinic and the menu's alert count.
MAX_QUERIES = {"/": 12, "/patients/?per_page=50": 11, "/patients/?show=active&per_page=50": 11, "/alerts/": 6,
               "/alerts/?status=open&severity=warning": 6, "/overview/": 13, "/?part=summary": 9, "/?part=badge": 5}
PAGES = list(MAX_QUERIES)


def add_patients(clinic, cara, how_many: int, first: int = 0):
    for n in range(first, first + how_many):
        patient = PatientFactory(clinic=clinic, mrn=f"Q{n:04d}", sex="male" if n % 2 else "female")
        lab(cara, patient, "hb", 95 + n % 20, START)
        course = enroll(cara, patient, PROTOCOLS[n % 3], START)
        if n % 3 != 1:
            give(cara, course, "loading#1")
        else:
            give(cara, course, "treatment#1")
        alert_raise(patient=patient, code="dose-missed", message="m", facts={"n": n}, fingerprint=f"q{n}")


def count(client, url) -> int:
    with time_machine.travel(at(TODAY, 9), tick=False):
        client.get(url)  # the first request after signing in writes the session
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_a_page_of_50_patients_costs_the_queries_of_a_page_of_1(clinic, cara, cara_web):
    """Every page of PAGES, against one clinic built once (building 50 patients is the slow part)."""
    add_patients(clinic, cara, 1)
    one = {url: count(cara_web, url) for url in PAGES}
    add_patients(clinic, cara, 49, first=1)
    fifty = {url: count(cara_web, url) for url in PAGES}
    grew = {url: (one[url], fifty[url]) for url in PAGES if fifty[url] != one[url]}
    assert not grew, f"queries with 1 patient, then with 50: {grew}"
    over = {url: fifty[url] for url in PAGES if fifty[url] > MAX_QUERIES[url]}
    assert not over, f"more queries than allowed {MAX_QUERIES}: {over}"


def test_the_patient_page_costs_the_same_with_more_history(clinic, cara, cara_web):
    patient = PatientFactory(clinic=clinic, mrn="H0001")
    course = enroll(cara, patient, "b12-im-standard", START)
    give(cara, course, "loading#1")
    lab(cara, patient, "hb", 100, START)
    few = count(cara_web, f"/patients/{patient.pk}/")
    for n in range(2, 6):
        give(cara, course, f"loading#{n}")
        lab(cara, patient, "hb", 100 + n, START.replace(day=5 + n))
    assert count(cara_web, f"/patients/{patient.pk}/") == few


def test_the_patient_page_costs_the_same_with_more_alerts(clinic, cara, cara_web):
    patient = PatientFactory(clinic=clinic, mrn="H0002")
    enroll(cara, patient, "b12-im-standard", START)
    alert_raise(patient=patient, code="dose-missed", message="m", facts={}, fingerprint="a0")
    one = count(cara_web, f"/patients/{patient.pk}/")
    for n in range(1, 4):
        alert_raise(patient=patient, code="dose-missed", message="m", facts={"n": n}, fingerprint=f"a{n}")
    assert count(cara_web, f"/patients/{patient.pk}/") == one


@pytest.mark.parametrize("suffix", ["print/", "edit/"])
def test_the_printed_plan_and_the_edit_page_cost_the_same_with_a_longer_plan(clinic, cara, cara_web, suffix):
    patient = PatientFactory(clinic=clinic, mrn="H0003")
    enroll(cara, patient, "iron-oral-daily", START)
    one = count(cara_web, f"/patients/{patient.pk}/{suffix}")
    enroll(cara, patient, "b12-im-standard", START)
    give(cara, enroll(cara, PatientFactory(clinic=clinic, mrn="H0004"), "b12-im-standard", START), "loading#1")
    for n in range(1, 4):
        patient.given_name = f"Name{n}"
        patient.save()
    more = count(cara_web, f"/patients/{patient.pk}/{suffix}")
    assert more == one, f"{suffix}: {one} queries, then {more}"
    assert more <= 9, f"{suffix}: {more} queries"


def test_the_clinic_settings_page_costs_the_same_with_more_patients(clinic, cara, adam_web):
    add_patients(clinic, cara, 1)
    one = count(adam_web, "/clinic/")
    add_patients(clinic, cara, 49, first=1)
    fifty = count(adam_web, "/clinic/")
    assert fifty == one <= 8, f"/clinic/: {one} queries with 1 patient, {fifty} with 50"


def test_the_stop_page_costs_the_same_for_a_short_and_a_long_plan(clinic, cara, cara_web):
    short = enroll(cara, PatientFactory(clinic=clinic, mrn="S0001"), "b12-im-standard", START)
    long = enroll(cara, PatientFactory(clinic=clinic, mrn="S0002"), "iron-oral-daily", START)
    counts = [count(cara_web, f"/enrollments/{e.pk}/stop/") for e in (short, long)]
    assert counts[0] == counts[1] and counts[1] <= 10, counts
