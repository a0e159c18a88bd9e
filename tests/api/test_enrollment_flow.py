import time_machine

from tests.conftest import api_client_for  # noqa: F401


@time_machine.travel("2026-01-05 09:00Z", tick=False)
def test_a_clinician_enrolls_a_patient_and_a_missed_loading_dose_extends_loading(as_cara, patient):
    response = as_cara.post("/api/v1/enrollments/", {"patient": patient.id, "protocol": "b12-im-standard",
                                                      "start_date": "2026-01-05"}, format="json")
    assert response.status_code == 201, response.json()
    enrollment = response.json()["id"]
    events = as_cara.get(f"/api/v1/enrollments/{enrollment}/schedule/").json()["events"]
    loading = [e for e in events if e["phase"] == "loading" and e["kind"] == "dose"]
    assert [e["due_date"] for e in loading] == ["2026-01-05", "2026-01-07", "2026-01-09", "2026-01-12",
                                                "2026-01-14", "2026-01-16"]
    first = as_cara.post("/api/v1/administrations/", {
        "event": loading[0]["id"], "outcome": "given", "occurred_at": "2026-01-05T09:00:00Z", "dose_mg": 1,
        "route": "IM", "site": "deltoid-left", "lot_number": "L123"}, format="json")
    assert first.status_code == 201, first.json()
    with time_machine.travel("2026-01-07 17:00Z", tick=False):
        missed = as_cara.post("/api/v1/administrations/", {
            "event": loading[1]["id"], "outcome": "missed", "occurred_at": "2026-01-07T17:00:00Z"}, format="json")
        assert missed.status_code == 201, missed.json()
        events = as_cara.get(f"/api/v1/enrollments/{enrollment}/schedule/").json()["events"]
    loading_after = [e for e in events if e["phase"] == "loading" and e["kind"] == "dose"]
    assert [e["due_date"] for e in loading_after] == ["2026-01-05", "2026-01-07", "2026-01-09", "2026-01-12",
                                                      "2026-01-14", "2026-01-16", "2026-01-19"]
    assert [e["status"] for e in loading_after[:2]] == ["given", "missed"]
    assert loading_after[2]["id"] == loading[2]["id"], "a planned event keeps its id when re-planned"
    maintenance = [e for e in events if e["phase"] == "maintenance"]
    assert maintenance[0]["due_date"] == "2026-04-20"
