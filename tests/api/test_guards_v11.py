"""API.md "Additions (v1.1)": the guards on enrollment and lab entry, stopping an enrollment, and alerts the
system resolves once their condition no longer holds (PROTOCOLS.md "2–3 clarified")."""

from datetime import date, datetime, timedelta

import pytest
import time_machine

from alerts.models import Alert, AlertStatus
from patients.models import Enrollment, EventStatus, LabResult
from patients.services import administration_record, enrollment_create, lab_result_record
from reminders.models import Reminder, ReminderStatus

NOW = "2026-01-05 09:00Z"


def enroll(client, patient, protocol="b12-im-standard", start="2026-01-05", **extra):
    return client.post("/api/v1/enrollments/", {"patient": patient.id, "protocol": protocol, "start_date": start,
                                                 **extra}, format="json")


def lab(client, patient, test, value, unit, at="2026-01-05T08:00:00Z", **extra):
    return client.post("/api/v1/lab-results/", {"patient": patient.id, "test": test, "value": value, "unit": unit,
                                                "collected_at": at, **extra}, format="json")


# -- the same treatment arm twice ------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_a_second_b12_plan_is_refused_naming_the_active_enrollment(as_cara, patient):
    first = enroll(as_cara, patient, start="2026-01-02").json()["id"]
    response = enroll(as_cara, patient, protocol="b12-im-neuro")
    assert response.status_code == 400
    body = response.json()
    assert f"enrollment {first} " in body["protocol"] and "2026-01-02" in body["protocol"]
    assert body["conflicting_enrollments"] == [{
        "id": first, "protocol": "b12-im-standard", "protocol_name": body["conflicting_enrollments"][0]["protocol_name"],
        "start_date": "2026-01-02", "arms": ["b12"]}]
    assert Enrollment.objects.filter(patient=patient).count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_combined_protocol_overlapping_on_one_arm_is_refused_too(as_cara, patient):
    enroll(as_cara, patient, protocol="iron-oral-daily")
    response = enroll(as_cara, patient, protocol="b12-then-iron")
    assert response.status_code == 400
    assert response.json()["conflicting_enrollments"][0]["arms"] == ["iron"]


@time_machine.travel(NOW, tick=False)
def test_a_clinicians_reason_overrides_and_is_recorded(as_cara, patient):
    enroll(as_cara, patient)
    response = enroll(as_cara, patient, protocol="b12-im-neuro", override_reason="Neuro signs found; old plan ends soon")
    assert response.status_code == 201, response.json()
    assert response.json()["override_reason"] == "Neuro signs found; old plan ends soon"


@time_machine.travel(NOW, tick=False)
def test_different_arms_and_stopped_enrollments_do_not_trip_the_guard(as_cara, patient):
    first = enroll(as_cara, patient).json()["id"]
    assert enroll(as_cara, patient, protocol="iron-oral-daily").status_code == 201
    assert as_cara.post(f"/api/v1/enrollments/{first}/stop/", {"reason": "wrong plan", "date": "2026-01-05"},
                        format="json").status_code == 200
    assert enroll(as_cara, patient, protocol="b12-im-neuro").status_code == 201


@time_machine.travel(NOW, tick=False)
def test_a_nurse_cannot_enroll_or_override(as_nina, nina, patient, cara):
    assert enroll(as_nina, patient).status_code == 403
    enrollment_create(actor=cara, patient=patient, protocol="b12-im-standard", start_date=date(2026, 1, 5))
    with pytest.raises(Exception, match="only a clinician"):
        enrollment_create(actor=nina, patient=patient, protocol="b12-im-neuro", start_date=date(2026, 1, 5),
                          override_reason="I think so")


# -- folate guard as of the start date -------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_the_folate_guard_is_judged_as_of_a_back_dated_start(as_cara, patient):
    # A B12 in range collected 1 Dec 2025: it covers a start today, not a start 4 months before it.
    assert lab(as_cara, patient, "b12", "400", "ng/L", at="2025-12-01T09:00:00Z").status_code == 201
    refused = enroll(as_cara, patient, protocol="folate-oral", start="2025-08-20")
    assert refused.status_code == 400
    assert "2025-08-20" in refused.json()["protocol"]
    assert enroll(as_cara, patient, protocol="folate-oral", start="2026-01-05").status_code == 201


@time_machine.travel(NOW, tick=False)
def test_a_b12_result_older_than_3_months_today_still_counts_for_a_back_dated_start(as_cara, patient):
    assert lab(as_cara, patient, "b12", "400", "ng/L", at="2025-06-01T09:00:00Z").status_code == 201
    assert enroll(as_cara, patient, protocol="folate-oral", start="2025-07-01").status_code == 201


@time_machine.travel(NOW, tick=False)
def test_a_b12_result_collected_after_the_start_does_not_count(as_cara, patient):
    assert lab(as_cara, patient, "b12", "400", "ng/L", at="2026-01-05T08:00:00Z").status_code == 201
    assert enroll(as_cara, patient, protocol="folate-oral", start="2025-12-01").status_code == 400


# -- stopping --------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_stopping_cancels_planned_events_and_pending_reminders(as_cara, as_nina, patient):
    enrollment = enroll(as_cara, patient, protocol="iron-oral-daily").json()["id"]
    assert Reminder.objects.filter(event__enrollment_id=enrollment, status=ReminderStatus.PENDING).exists()
    assert as_nina.post(f"/api/v1/enrollments/{enrollment}/stop/", {"reason": "x"}, format="json").status_code == 403
    assert as_cara.post(f"/api/v1/enrollments/{enrollment}/stop/", {"reason": " "}, format="json").status_code == 400
    response = as_cara.post(f"/api/v1/enrollments/{enrollment}/stop/", {"reason": "Not tolerated"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["ended_on"]) == ("ended", "2026-01-05")
    stopped = Enrollment.objects.get(pk=enrollment)
    assert not stopped.events.filter(status=EventStatus.PLANNED).exists()
    assert not Reminder.objects.filter(event__enrollment_id=enrollment, status=ReminderStatus.PENDING).exists()
    again = as_cara.post(f"/api/v1/enrollments/{enrollment}/stop/", {"reason": "twice"}, format="json")
    assert again.status_code == 400


# -- alerts resolved when their condition no longer holds ----------------------------------------


@time_machine.travel(NOW, tick=False)
def test_check_b12_age_60_is_resolved_once_a_b12_result_is_filed(as_cara, patient):
    assert lab(as_cara, patient, "ferritin", "8", "ug/L").status_code == 201
    alert = Alert.objects.get(patient=patient, code="check-b12-age-60")
    assert alert.status == AlertStatus.OPEN
    assert lab(as_cara, patient, "b12", "400", "ng/L").status_code == 201
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED and alert.resolved_by is None
    assert alert.resolution_note.startswith("Resolved by the system: a B12 result was filed (b12 400")
    listed = as_cara.get(f"/api/v1/alerts/?patient={patient.id}&status=resolved").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [(a["code"], a["resolved_by"]) for a in rows] == [("check-b12-age-60", None)]
    assert as_cara.get(f"/api/v1/alerts/?patient={patient.id}&status=open").json()["count"] == 0


@time_machine.travel(NOW, tick=False)
def test_an_overdue_dose_alert_is_resolved_once_the_dose_is_recorded(cara, patient):
    enrollment = enrollment_create(actor=cara, patient=patient, protocol="b12-im-standard", start_date=date(2026, 1, 5))
    first = enrollment.events.filter(kind="dose").order_by("due_date").first()
    from alerts.rules import sweep_clinic

    with time_machine.travel("2026-01-07 12:00Z", tick=False):
        sweep_clinic(patient.clinic)
        alert = Alert.objects.get(patient=patient, code="dose-missed")
        administration_record(actor=cara, event=first, outcome="given",
                              occurred_at=datetime.fromisoformat("2026-01-05T10:00:00+00:00"), dose_mg=1, route="IM",
                              site="deltoid-left", lot_number="L1")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert "recorded given" in alert.resolution_note


@time_machine.travel(NOW, tick=False)
def test_a_recorded_missed_dose_alert_stays_open(cara, patient):
    enrollment = enrollment_create(actor=cara, patient=patient, protocol="b12-im-standard", start_date=date(2026, 1, 5))
    first = enrollment.events.filter(kind="dose").order_by("due_date").first()
    administration_record(actor=cara, event=first, outcome="missed",
                          occurred_at=datetime.fromisoformat("2026-01-05T08:30:00+00:00"))
    lab_result_record(actor=cara, patient=patient, test="hb", value=120, unit="g/L",
                      collected_at=datetime.fromisoformat("2026-01-05T08:40:00+00:00"))
    assert Alert.objects.get(patient=patient, code="dose-missed").status == AlertStatus.OPEN


@time_machine.travel(NOW, tick=False)
def test_the_demo_has_no_check_b12_alert_open_beside_a_b12_result(db):
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())
    contradictions = [
        a for a in Alert.objects.filter(code="check-b12-age-60").exclude(status=AlertStatus.RESOLVED)
        if LabResult.objects.filter(patient=a.patient, code="b12", entered_in_error=False,
                                    collected_at__gte=datetime.fromisoformat(NOW.replace("Z", "+00:00"))
                                    - timedelta(days=92)).exists()
    ]
    assert contradictions == []
    assert Alert.objects.filter(code="check-b12-age-60", status=AlertStatus.RESOLVED).exists()
