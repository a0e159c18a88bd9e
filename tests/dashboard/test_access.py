"""Roles and clinics: nurses record, clinicians do everything clinical, administrators manage staff;
another clinic's staff get nothing of Riverside's (404, like a missing object)."""

import pytest
from django.test import Client

from alerts.services import alert_raise
from patients.models import Administration, ScheduledEvent
from tests.alerts.helpers import give

CLINICAL_PAGES = ["/", "/patients/", "/alerts/", "/overview/", "/patients/new/"]


@pytest.fixture
def things(cara, treated):
    b12 = treated["b12"]
    alert, _ = alert_raise(patient=b12, code="dose-missed", message="m", facts={}, fingerprint="x")
    event = ScheduledEvent.objects.get(enrollment=treated["b12_course"], key="loading#2")
    return {"patient": b12, "alert": alert, "event": event, "course": treated["b12_course"],
            "administration": Administration.objects.get(patient=b12), "lab": b12.labresult_set.get()}


@pytest.mark.parametrize("url", [*CLINICAL_PAGES, "/staff/", "/help/"])
def test_anonymous_visitors_are_sent_to_sign_in(db, url):
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("url", CLINICAL_PAGES)
def test_an_administrator_sees_no_clinical_page(adam_web, url):
    assert adam_web.get(url).status_code == 403


def test_clinical_staff_cannot_manage_staff(nina_web, cara_web):
    assert nina_web.get("/staff/").status_code == 403
    assert cara_web.get("/staff/").status_code == 403


def test_a_nurse_may_not_enroll_or_end_a_phase(nina_web, things):
    patient = things["patient"]
    assert nina_web.get(f"/patients/{patient.pk}/enroll/").status_code == 403
    assert nina_web.post(f"/enrollments/{things['course'].pk}/end-phase/", {"phase": "loading"}).status_code == 403
    assert "Enroll in a protocol" not in nina_web.get(f"/patients/{patient.pk}/").content.decode()


def test_otto_of_another_clinic_gets_nothing_of_riversides(otto_web, things):
    p, a, e = things["patient"], things["alert"], things["event"]
    for url in [f"/patients/{p.pk}/", f"/patients/{p.pk}/enroll/", f"/events/{e.pk}/given/"]:
        assert otto_web.get(url).status_code == 404, url
    for url in [f"/events/{e.pk}/given/", f"/events/{e.pk}/missed/", f"/patients/{p.pk}/lab-results/",
                f"/enrollments/{things['course'].pk}/end-phase/", f"/alerts/{a.pk}/acknowledge/",
                f"/alerts/{a.pk}/resolve/", f"/administrations/{things['administration'].pk}/entered-in-error/",
                f"/lab-results/{things['lab'].pk}/entered-in-error/"]:
        assert otto_web.post(url, {"reason": "x", "site": "deltoid-left", "lot_number": "L", "dose_mg": "1",
                                   "given_at": "09:00"}).status_code == 404, url
    for url in ["/", "/patients/", "/alerts/", "/overview/"]:
        body = otto_web.get(url).content.decode()
        assert p.family_name.upper() not in body and p.mrn not in body, url
    a.refresh_from_db()
    assert a.status == "open" and Administration.objects.filter(patient=p).count() == 1


def test_a_user_without_a_clinic_is_refused(db):
    from clinics.models import User

    root = User.objects.create_superuser("root", "root@example.org", "pw-not-used-123")
    client = Client()
    client.force_login(root)
    assert client.get("/").status_code == 403


def test_a_nurse_records_and_files_but_a_missed_dose_needs_post(nina_web, things, cara):
    assert nina_web.get(f"/events/{things['event'].pk}/missed/").status_code == 405
    give(cara, things["course"], "loading#2")
