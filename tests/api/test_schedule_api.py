"""The plan over HTTP: real dates, re-planned by what actually happened."""

import time_machine

from tests.factories import PatientFactory
from tests.helpers import dates, doses, enroll, give, record, schedule


@time_machine.travel("2026-04-10 12:00Z", tick=False)
def test_a_late_maintenance_injection_moves_every_later_one(as_cara, patient):
    enrollment = enroll(as_cara, patient, "b12-im-standard", "2026-01-05")
    for event in doses(schedule(as_cara, enrollment["id"]), "loading"):
        give(as_cara, event, f"{event['due_date']}T10:00:00Z")
    maintenance = doses(schedule(as_cara, enrollment["id"]), "maintenance")
    assert maintenance[0]["due_date"] == "2026-04-16"
    with time_machine.travel("2026-04-30 12:00Z", tick=False):
        give(as_cara, maintenance[0], "2026-04-30T10:00:00Z")  # 14 days late
        after = doses(schedule(as_cara, enrollment["id"]), "maintenance")
    assert after[0]["status"] == "given"
    assert after[1]["due_date"] == "2026-07-30"  # Thu 30 Jul: 3 months after the given date
    assert after[1]["id"] == maintenance[1]["id"]


@time_machine.travel("2026-01-05 08:00Z", tick=False)
def test_iron_after_b12_starts_the_day_after_loading_actually_ends(as_cara, patient):
    enrollment = enroll(as_cara, patient, "b12-then-iron", "2026-01-05")
    events = schedule(as_cara, enrollment["id"])
    assert doses(events, "treatment")[0]["due_date"] == "2026-01-17"
    assert doses(events, "treatment")[0]["provisional"] is True
    with time_machine.travel("2026-01-07 18:00Z", tick=False):
        give(as_cara, doses(events, "loading")[0], "2026-01-05T10:00:00Z")
        assert record(as_cara, doses(events, "loading")[1], "missed", "2026-01-07T18:00:00Z").status_code == 201
    events = schedule(as_cara, enrollment["id"])
    assert dates(doses(events, "loading"))[-1] == "2026-01-19"
    assert doses(events, "treatment")[0]["due_date"] == "2026-01-20"


@time_machine.travel("2026-03-01 06:00Z", tick=False)
def test_oral_iron_at_eight_local_follows_new_york_across_dst(as_cara, clinic):
    patient = PatientFactory(clinic=clinic, timezone="America/New_York", preferred_dose_time="08:00")
    enrollment = enroll(as_cara, patient, "iron-oral-daily", "2026-03-01")
    by_date = {e["due_date"]: e for e in doses(schedule(as_cara, enrollment["id"], until="2026-11-05"), "treatment")}
    assert by_date["2026-03-07"]["due_at"] == "2026-03-07T13:00:00Z"
    assert by_date["2026-03-08"]["due_at"] == "2026-03-08T12:00:00Z"
    assert by_date["2026-11-01"]["due_at"] == "2026-11-01T13:00:00Z"


@time_machine.travel("2026-01-03 12:00Z", tick=False)
def test_a_weekend_start_begins_loading_on_the_next_injection_day(as_cara, patient):
    enrollment = enroll(as_cara, patient, "b12-im-standard", "2026-01-03")  # a Saturday
    events = schedule(as_cara, enrollment["id"])
    assert dates(doses(events, "loading"))[:2] == ["2026-01-05", "2026-01-07"]
    baseline = next(e for e in events if e["code"] == "baseline")
    assert (baseline["due_date"], baseline["window_end"]) == ("2026-01-03", "2026-01-05")


@time_machine.travel("2026-01-09 12:00Z", tick=False)
def test_an_unrecorded_loading_dose_shows_overdue_the_next_day(as_cara, patient):
    enrollment = enroll(as_cara, patient, "b12-im-standard", "2026-01-05")
    statuses = [e["status"] for e in doses(schedule(as_cara, enrollment["id"]), "loading")]
    assert statuses[:4] == ["overdue", "overdue", "planned", "planned"]


@time_machine.travel("2026-02-20 12:00Z", tick=False)
def test_a_clinician_ends_neuro_loading_and_maintenance_follows_every_two_months(as_cara, patient):
    enrollment = enroll(as_cara, patient, "b12-im-neuro", "2026-02-02")
    loading = doses(schedule(as_cara, enrollment["id"]), "loading")
    assert dates(loading)[:4] == ["2026-02-02", "2026-02-04", "2026-02-06", "2026-02-09"]
    assert not doses(schedule(as_cara, enrollment["id"]), "maintenance"), "no end, no maintenance yet"
    for event in loading[:8]:
        give(as_cara, event, f"{event['due_date']}T10:00:00Z")
    response = as_cara.post(f"/api/v1/enrollments/{enrollment['id']}/end-phase/",
                            {"phase": "loading", "date": "2026-02-18", "reason": "neurology improved"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["phase_ends"]["loading"]["reason"] == "neurology improved"
    events = schedule(as_cara, enrollment["id"])
    assert dates(doses(events, "loading"))[-1] == "2026-02-18"
    assert doses(events, "maintenance")[0]["due_date"] == "2026-04-20"  # 18 Apr + 2 months is a Saturday


@time_machine.travel("2026-02-20 12:00Z", tick=False)
def test_standard_loading_cannot_be_ended_by_hand(as_cara, patient):
    enrollment = enroll(as_cara, patient, "b12-im-standard", "2026-02-02")
    response = as_cara.post(f"/api/v1/enrollments/{enrollment['id']}/end-phase/",
                            {"phase": "loading", "date": "2026-02-10", "reason": "x"}, format="json")
    assert response.status_code == 400
    assert "phase" in response.json()


@time_machine.travel("2026-01-05 12:00Z", tick=False)
def test_a_nurse_cannot_enroll_but_can_record(as_nina, as_cara, patient):
    response = as_nina.post("/api/v1/enrollments/", {"patient": patient.id, "protocol": "b12-im-standard",
                                                     "start_date": "2026-01-05"}, format="json")
    assert response.status_code == 403
    enrollment = enroll(as_cara, patient, "b12-im-standard", "2026-01-05")
    give(as_nina, doses(schedule(as_cara, enrollment["id"]), "loading")[0], "2026-01-05T10:00:00Z")


@time_machine.travel("2026-01-20 12:00Z", tick=False)
def test_a_dose_entered_in_error_is_planned_again(as_cara, patient):
    enrollment = enroll(as_cara, patient, "b12-im-standard", "2026-01-05")
    first = doses(schedule(as_cara, enrollment["id"]), "loading")[0]
    missed = record(as_cara, first, "missed", "2026-01-05T17:00:00Z").json()
    assert len(doses(schedule(as_cara, enrollment["id"]), "loading")) == 7
    response = as_cara.post(f"/api/v1/administrations/{missed['id']}/entered-in-error/",
                            {"reason": "wrong patient"}, format="json")
    assert response.status_code == 200
    assert response.json()["entered_in_error"] is True
    loading = doses(schedule(as_cara, enrollment["id"]), "loading")
    assert len(loading) == 6 and loading[0]["status"] == "overdue"
    give(as_cara, loading[0], "2026-01-05T10:00:00Z")  # the correction is a new entry
    history = as_cara.get("/api/v1/administrations/", {"event": first["id"]}).json()["results"]
    assert sorted(a["entered_in_error"] for a in history) == [False, True]


@time_machine.travel("2026-01-12 12:00Z", tick=False)
def test_stopping_an_enrollment_cancels_what_is_still_planned_and_keeps_what_happened(as_cara, patient):
    enrollment = enroll(as_cara, patient, "b12-im-standard", "2026-01-05")
    give(as_cara, doses(schedule(as_cara, enrollment["id"]), "loading")[0], "2026-01-05T10:00:00Z")
    response = as_cara.post(f"/api/v1/enrollments/{enrollment['id']}/stop/",
                            {"date": "2026-01-12", "reason": "moved to another area"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["ended_on"]) == ("ended", "2026-01-12")
    assert [e["status"] for e in schedule(as_cara, enrollment["id"])] == ["given"]
    statuses = {e["status"] for e in schedule(as_cara, enrollment["id"], include_cancelled="true")}
    assert statuses == {"given", "cancelled"}
    again = as_cara.post(f"/api/v1/enrollments/{enrollment['id']}/stop/", {"date": "2026-01-12", "reason": "x"},
                         format="json")
    assert again.status_code == 400
