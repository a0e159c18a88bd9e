"""Every write to clinical, consent and configuration data leaves a history row: who, when, what changed."""

from datetime import date

import pytest
import time_machine
from django.test import Client

from alerts.models import Alert
from reminders.models import ClinicReminderSettings, OptOut, PatientReminderPreferences
from tests.conftest import api_client_for

NOW = "2026-01-06 12:00Z"


@pytest.fixture
def alert(patient):
    return Alert.objects.create(clinic=patient.clinic, patient=patient, code="dose-missed", message="m", fingerprint="x")


@time_machine.travel(NOW, tick=False)
def test_acknowledging_and_resolving_an_alert_is_in_its_history(as_nina, nina, alert):
    as_nina.post(f"/api/v1/alerts/{alert.pk}/acknowledge/")
    as_nina.post(f"/api/v1/alerts/{alert.pk}/resolve/", {"note": "called the patient"}, format="json")
    rows = list(alert.history.order_by("history_id").values_list("status", "history_user__username"))
    assert rows[-2:] == [("acknowledged", "nina"), ("resolved", "nina")]


@time_machine.travel(NOW, tick=False)
def test_an_opt_out_and_its_end_are_in_the_history(as_nina, patient):
    as_nina.post(f"/api/v1/patients/{patient.pk}/reminder-preferences/opt-out/", {"channel": "sms"}, format="json")
    as_nina.post(f"/api/v1/patients/{patient.pk}/reminder-preferences/opt-in/", {"channel": "sms"}, format="json")
    opt_out = OptOut.objects.get(patient=patient)
    history = list(opt_out.history.order_by("history_id"))
    assert [h.history_type for h in history] == ["+", "~"]
    assert history[-1].ended_at is not None and history[-1].history_user.username == "nina"


@time_machine.travel(NOW, tick=False)
def test_reminder_preferences_and_a_calendar_url_rotation_are_in_the_history(as_nina, patient):
    as_nina.patch(f"/api/v1/patients/{patient.pk}/reminder-preferences/", {"channels": ["email"]}, format="json")
    old = PatientReminderPreferences.objects.get(patient=patient).calendar_token
    as_nina.patch(f"/api/v1/patients/{patient.pk}/reminder-preferences/", {"rotate_calendar_url": True}, format="json")
    prefs = PatientReminderPreferences.objects.get(patient=patient)
    newest, before = prefs.history.order_by("-history_date", "-history_id")[:2]
    assert newest.diff_against(before).changed_fields == ["calendar_token"]
    assert before.calendar_token == old and newest.history_user.username == "nina"


@time_machine.travel(NOW, tick=False)
def test_a_clinic_settings_change_is_in_the_history(adam):
    api_client_for(adam).patch("/api/v1/reminder-settings/", {"quiet_hours_start": "22:00"}, format="json")
    settings = ClinicReminderSettings.objects.get(clinic=adam.clinic)
    assert settings.history.first().history_user == adam
    assert str(settings.history.first().quiet_hours_start) == "22:00:00"


def test_staff_changes_are_in_the_history(adam, nina):
    client = Client()
    client.force_login(adam)
    client.post(f"/staff/{nina.pk}/active/", {"active": "0"})
    nina.refresh_from_db()
    newest = nina.history.first()
    assert not nina.is_active and newest.history_user == adam and newest.is_active is False
    assert not hasattr(newest, "password"), "password hashes are not copied into the history"


def test_a_lab_result_filed_on_a_page_names_who_filed_it(cara, patient):
    from tests.alerts.helpers import lab

    result = lab(cara, patient, "hb", 98, date(2026, 1, 5))
    assert result.history.first().history_user == cara
