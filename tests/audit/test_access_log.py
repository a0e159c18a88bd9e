"""Who read which patient, by page or API, and the page where a clinic administrator sees it."""

from datetime import date, timedelta

import time_machine
from django.test import Client
from django.utils import timezone

from audit.models import PatientAccess
from audit.services import access_log_purge
from config.celery_app import app
from tests.alerts.helpers import at, enroll


def web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_opening_a_patient_page_is_logged(nina, patient):
    assert web(nina).get(f"/patients/{patient.pk}/").status_code == 200
    access = PatientAccess.objects.get()
    assert (access.user, access.patient, access.via, access.what) == (nina, patient, "page", f"/patients/{patient.pk}/")


def test_reading_a_patient_through_the_api_is_logged(as_cara, cara, patient):
    as_cara.get(f"/api/v1/patients/{patient.pk}/")
    as_cara.get("/api/v1/lab-results/", {"patient": patient.pk})
    rows = list(PatientAccess.objects.order_by("id").values_list("user__username", "via", "what"))
    assert rows == [("cara", "api", f"/api/v1/patients/{patient.pk}/"), ("cara", "api", "/api/v1/lab-results/")]


def test_reading_a_schedule_logs_its_patient(as_cara, cara, patient):
    with time_machine.travel(at(date(2026, 1, 5), 8), tick=False):
        enrollment = enroll(cara, patient, "b12-im-standard", date(2026, 1, 5))
        as_cara.get(f"/api/v1/enrollments/{enrollment.pk}/schedule/")
    assert PatientAccess.objects.get().patient == patient


def test_a_refused_read_is_not_logged_as_an_access(as_otto, patient):
    assert as_otto.get(f"/api/v1/patients/{patient.pk}/").status_code == 404
    assert not PatientAccess.objects.exists()


def test_a_clinic_administrator_sees_who_read_a_patient(adam, nina, patient):
    web(nina).get(f"/patients/{patient.pk}/")
    page = web(adam).get("/access-log/", {"mrn": patient.mrn})
    body = page.content.decode()
    assert page.status_code == 200
    assert "nina" in body and f"/patients/{patient.pk}/" in body and "1 access" in body


def test_the_access_log_is_for_clinic_administrators_only(nina, patient):
    assert web(nina).get("/access-log/", {"mrn": patient.mrn}).status_code == 403


def test_another_clinics_patient_is_not_found_in_the_access_log(otto, patient, other_clinic):
    from clinics.models import Role
    from tests.factories import StaffFactory

    hillside_admin = StaffFactory(username="hal", clinic=other_clinic, role=Role.ADMIN)
    page = web(hillside_admin).get("/access-log/", {"mrn": patient.mrn})
    assert page.status_code == 404 and "No patient of this clinic" in page.content.decode()


def test_old_accesses_are_purged_after_the_retention_period(nina, patient, settings):
    settings.ACCESS_LOG_RETENTION_DAYS = 30
    web(nina).get(f"/patients/{patient.pk}/")
    PatientAccess.objects.update(at=timezone.now() - timedelta(days=31))
    web(nina).get(f"/patients/{patient.pk}/")
    assert access_log_purge() == 1
    assert PatientAccess.objects.count() == 1


def test_the_purge_runs_daily_from_the_beat_schedule():
    entry = app.conf.beat_schedule["audit-purge-access-log"]
    assert entry["task"] == "audit.purge_access_log" and entry["schedule"] == 24 * 3600
