"""In the Django admin, clinical and consent records cannot be deleted or edited around the services, and
what a superuser does there is in the audit trail."""

from datetime import date

import pytest
from django.test import Client

from alerts.models import Alert
from clinics.models import User
from patients.models import LabResult
from reminders.models import OptOut
from reminders.services import opt_out_record
from tests.alerts.helpers import enroll, give, lab

PASSWORD = "correct horse battery staple"


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", "root@example.org", PASSWORD)


@pytest.fixture
def as_root(root):
    client = Client()
    client.force_login(root)
    return client


@pytest.fixture
def records(cara, patient):
    result = lab(cara, patient, "hb", 98, date(2026, 1, 5))
    enrollment = enroll(cara, patient, "b12-im-standard", date(2026, 1, 5))
    administration = give(cara, enrollment, "loading#1")
    alert = Alert.objects.create(clinic=patient.clinic, patient=patient, code="folate-without-b12", message="m",
                                 fingerprint="f")
    opt_out, _ = opt_out_record(patient=patient, channel="sms", via="staff")
    return {"patient": patient, "enrollment": enrollment, "labresult": result, "administration": administration,
            "alert": alert, "optout": opt_out, "event": administration.event}


ADMIN_PATHS = {
    "patient": "patients/patient", "enrollment": "patients/enrollment", "event": "patients/scheduledevent",
    "administration": "patients/administration", "labresult": "patients/labresult", "alert": "alerts/alert",
    "optout": "reminders/optout",
}


@pytest.mark.parametrize("name", ADMIN_PATHS)
def test_a_superuser_cannot_delete_a_clinical_or_consent_record(as_root, records, name):
    obj = records[name]
    response = as_root.post(f"/admin/{ADMIN_PATHS[name]}/{obj.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("name", ADMIN_PATHS)
def test_a_superuser_cannot_delete_them_in_bulk_either(as_root, records, name):
    obj = records[name]
    as_root.post(f"/admin/{ADMIN_PATHS[name]}/", {"action": "delete_selected", "_selected_action": [obj.pk],
                                                   "post": "yes"})
    assert type(obj).objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("name", ["patient", "enrollment", "event", "administration", "labresult", "alert", "optout"])
def test_a_superuser_cannot_edit_them(as_root, records, name):
    obj = type(records[name]).objects.get(pk=records[name].pk)
    page = as_root.get(f"/admin/{ADMIN_PATHS[name]}/{obj.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content, "shown read-only"
    as_root.post(f"/admin/{ADMIN_PATHS[name]}/{obj.pk}/change/", {"start_date": "2020-01-01", "status": "ended"})
    fresh = type(obj).objects.get(pk=obj.pk)
    assert getattr(fresh, "start_date", None) == getattr(obj, "start_date", None)
    assert getattr(fresh, "status", None) == getattr(obj, "status", None)


def test_a_superuser_marks_a_lab_result_entered_in_error_through_the_service_and_it_is_audited(as_root, root,
                                                                                               records):
    result = records["labresult"]
    as_root.post("/admin/patients/labresult/", {"action": "mark_entered_in_error", "_selected_action": [result.pk]})
    result = LabResult.objects.get(pk=result.pk)
    assert result.entered_in_error and result.error_by == root
    assert result.history.first().history_user == root


def test_a_superuser_resolving_an_alert_is_audited(as_root, root, records):
    alert = records["alert"]
    as_root.post("/admin/alerts/alert/", {"action": "resolve", "_selected_action": [alert.pk]})
    alert.refresh_from_db()
    assert (alert.status, alert.resolved_by) == ("resolved", root)
    assert alert.history.first().history_user == root


def test_clinics_and_staff_are_never_deleted(as_root, records, nina):
    clinic = records["patient"].clinic
    assert as_root.post(f"/admin/clinics/clinic/{clinic.pk}/delete/", {"post": "yes"}).status_code == 403
    assert as_root.post(f"/admin/clinics/user/{nina.pk}/delete/", {"post": "yes"}).status_code == 403
    assert OptOut.objects.exists()
