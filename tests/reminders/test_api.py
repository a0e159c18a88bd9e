"""The staff API: a patient's reminders and choices, the clinic's settings. Otto of Hillside sees nothing."""

from datetime import date

import pytest
import time_machine

from reminders.models import ClinicReminderSettings, PatientReminderPreferences, Reminder
from tests.conftest import api_client_for
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_iron(patient, enroll):
    with time_machine.travel("2026-03-01 06:00Z", tick=False):
        return enroll(patient, "iron-oral-daily", date(2026, 3, 2))


def test_staff_list_a_patients_reminders_soonest_first(as_nina, patient, on_iron):
    response = as_nina.get(f"/api/v1/patients/{patient.pk}/reminders/")
    assert response.status_code == 200
    body = response.json()
    first = body["results"][0]
    assert {"id", "kind", "channel", "send_at", "status"} <= set(first)
    assert (first["kind"], first["status"], first["send_at"]) == ("dose", "pending", "2026-03-02T08:00:00Z")
    assert body["count"] == Reminder.objects.filter(patient=patient).count()


def test_the_list_filters_by_status_kind_and_channel_and_refuses_unknown_values(as_nina, patient, on_iron):
    texts = as_nina.get(f"/api/v1/patients/{patient.pk}/reminders/?channel=sms&kind=dose&status=pending").json()
    assert texts["count"] == Reminder.objects.filter(patient=patient, channel="sms", kind="dose").count()
    bad = as_nina.get(f"/api/v1/patients/{patient.pk}/reminders/?status=lost")
    assert bad.status_code == 400 and "status" in bad.json()


def test_another_clinics_patient_is_not_found(as_otto, patient, on_iron):
    assert as_otto.get(f"/api/v1/patients/{patient.pk}/reminders/").status_code == 404
    assert as_otto.get(f"/api/v1/patients/{patient.pk}/reminder-preferences/").status_code == 404
    assert as_otto.patch(f"/api/v1/patients/{patient.pk}/reminder-preferences/", {"channels": ["sms"]},
                         format="json").status_code == 404
    assert as_otto.post(f"/api/v1/patients/{patient.pk}/reminder-preferences/opt-out/", {"channel": "all"},
                        format="json").status_code == 404


def test_an_anonymous_caller_is_refused(client, patient):
    assert client.get(f"/api/v1/patients/{patient.pk}/reminders/").status_code in (401, 403)


def test_the_list_takes_a_flat_number_of_queries(as_nina, patient, on_iron, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        as_nina.get(f"/api/v1/patients/{patient.pk}/reminders/?page_size=500")


def test_staff_see_and_change_a_patients_channels_and_time(as_nina, patient, on_iron):
    url = f"/api/v1/patients/{patient.pk}/reminder-preferences/"
    shown = as_nina.get(url).json()
    assert shown["channels"] == [] and shown["clinic_channels"] == ["email", "sms"]
    assert shown["channel_status"] == {"email": "in use", "sms": "in use"}
    assert shown["calendar_url"].startswith("https://clinic.test/r/calendar/")
    with time_machine.travel("2026-03-01 07:00Z", tick=False):
        changed = as_nina.patch(url, {"channels": ["sms"], "reminder_time": "19:00"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["channels"] == ["sms"] and changed.json()["reminder_time"] == "19:00"
    assert not Reminder.objects.filter(patient=patient, channel="email", status="pending").exists()


def test_bad_preferences_are_refused_and_nothing_is_saved(as_nina, patient, on_iron):
    url = f"/api/v1/patients/{patient.pk}/reminder-preferences/"
    response = as_nina.patch(url, {"channels": ["pigeon"], "reminder_time": "25:00"}, format="json")
    assert response.status_code == 400 and {"channels", "reminder_time"} <= set(response.json())
    prefs = PatientReminderPreferences.objects.get(patient=patient)
    assert prefs.channels == "" and prefs.reminder_time is None


def test_rotating_the_calendar_url_retires_the_old_one(as_nina, patient, on_iron, client):
    url = f"/api/v1/patients/{patient.pk}/reminder-preferences/"
    old = as_nina.get(url).json()["calendar_url"]
    new = as_nina.patch(url, {"rotate_calendar_url": True}, format="json").json()["calendar_url"]
    assert new != old
    assert client.get(old.removeprefix("https://clinic.test")).status_code == 404
    assert client.get(new.removeprefix("https://clinic.test")).status_code == 200


def test_staff_record_an_opt_out_the_patient_asked_for_by_phone(as_nina, patient, on_iron):
    url = f"/api/v1/patients/{patient.pk}/reminder-preferences/"
    stopped = as_nina.post(url + "opt-out/", {"channel": "sms"}, format="json")
    assert stopped.status_code == 200
    assert stopped.json()["channel_status"]["sms"] == "the patient opted out of sms"
    assert stopped.json()["opt_outs"][0]["via"] == "staff"
    assert as_nina.post(url + "opt-out/", {"channel": "fax"}, format="json").status_code == 400
    with time_machine.travel("2026-03-01 07:00Z", tick=False):
        started = as_nina.post(url + "opt-in/", {"channel": "sms"}, format="json")
    assert started.json()["channel_status"]["sms"] == "in use"


def test_a_clinic_administrator_changes_the_clinics_reminder_times(clinic, adam):
    as_adam = api_client_for(adam)
    assert as_adam.get("/api/v1/reminder-settings/").json()["quiet_hours_start"] == "21:00:00"
    response = as_adam.patch("/api/v1/reminder-settings/", {"appointment_reminder_time": "17:30",
                                                             "patient_channels": "sms"}, format="json")
    assert response.status_code == 200, response.json()
    saved = ClinicReminderSettings.objects.get(clinic=clinic)
    assert str(saved.appointment_reminder_time) == "17:30:00" and saved.patient_channels == "sms"


def test_a_nurse_cannot_change_the_clinics_reminder_settings(clinic, as_nina):
    assert as_nina.patch("/api/v1/reminder-settings/", {"worklist_time": "06:00"}, format="json").status_code == 403


def test_bad_clinic_settings_are_refused_and_nothing_is_saved(clinic, as_cara):
    response = as_cara.patch("/api/v1/reminder-settings/", {"patient_channels": "sms,fax",
                                                             "appointment_reminder_days_before": 0}, format="json")
    assert response.status_code == 400
    assert {"patient_channels", "appointment_reminder_days_before"} <= set(response.json())
    assert ClinicReminderSettings.objects.get(clinic=clinic).patient_channels == "email,sms"


def test_each_clinic_has_its_own_settings(clinic, other_clinic, as_cara, otto):
    as_cara.patch("/api/v1/reminder-settings/", {"worklist_time": "06:30"}, format="json")
    theirs = api_client_for(otto).get("/api/v1/reminder-settings/").json()
    assert theirs["worklist_time"] == "07:00:00"


def test_a_clinic_settings_change_re_plans_pending_reminders(clinic, patient, enroll, as_cara, monkeypatch,
                                                              django_capture_on_commit_callbacks):
    from reminders import tasks

    queued = []
    monkeypatch.setattr(tasks.reminders_replan_clinic, "delay", queued.append)
    with time_machine.travel("2026-01-05 07:00Z", tick=False):
        enroll(patient, "b12-im-standard", date(2026, 1, 5))
        with django_capture_on_commit_callbacks(execute=True):
            as_cara.patch("/api/v1/reminder-settings/", {"appointment_reminder_time": "17:00"}, format="json")
        assert queued == [clinic.pk], "queued once the change is committed"
        tasks.reminders_replan_clinic(clinic.pk)  # what the worker does with it
    row = Reminder.objects.get(kind="appointment", about_date=date(2026, 1, 7), channel="sms")
    assert row.send_at.isoformat() == "2026-01-06T17:00:00+00:00"
    assert tasks.reminders_replan_changed_clinics() == 0, "nothing left to re-plan"


def test_a_re_plan_that_was_lost_is_run_by_the_periodic_check(clinic, as_cara, monkeypatch,
                                                              django_capture_on_commit_callbacks):
    from reminders import tasks

    lost = []
    monkeypatch.setattr(tasks.reminders_replan_clinic, "delay", lost.append)
    with django_capture_on_commit_callbacks(execute=True):
        as_cara.patch("/api/v1/reminder-settings/", {"lab_reminder_time": "10:00"}, format="json")
    lost.clear()  # the broker was away: the task never reached a worker
    assert tasks.reminders_replan_changed_clinics() == 1 and lost == [clinic.pk]


def test_an_account_without_a_clinic_sees_no_reminder_settings(clinic):
    loner = StaffFactory(username="loner", clinic=None)
    assert api_client_for(loner).get("/api/v1/reminder-settings/").status_code == 403
