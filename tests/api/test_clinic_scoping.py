"""Otto of Hillside clinic is refused everything of Riverside's, with a 404 that reveals nothing."""

import pytest
import time_machine

from alerts.models import Alert
from tests.helpers import doses, enroll, give, schedule


@pytest.fixture
def riverside(as_cara, patient):
    with time_machine.travel("2026-01-05 12:00Z", tick=False):
        enrollment = enroll(as_cara, patient, "b12-im-standard", "2026-01-05")
        event = doses(schedule(as_cara, enrollment["id"]), "loading")[0]
        administration = give(as_cara, event, "2026-01-05T10:00:00Z")
        lab = as_cara.post("/api/v1/lab-results/", {"patient": patient.id, "test": "hb", "value": 101, "unit": "g/L",
                                                    "collected_at": "2026-01-05T09:00:00Z"}, format="json").json()
    alert = Alert.objects.create(clinic=patient.clinic, patient=patient, code="dose-missed", message="m",
                                 fingerprint="x")
    return {"patient": patient.id, "enrollment": enrollment["id"], "event": event["id"],
            "administration": administration["id"], "lab": lab["id"], "alert": alert.id}


@time_machine.travel("2026-01-06 12:00Z", tick=False)
@pytest.mark.parametrize("path", [
    "/api/v1/patients/{patient}/",
    "/api/v1/enrollments/{enrollment}/",
    "/api/v1/enrollments/{enrollment}/schedule/",
    "/api/v1/events/{event}/",
    "/api/v1/administrations/{administration}/",
    "/api/v1/lab-results/{lab}/",
    "/api/v1/alerts/{alert}/",
])
def test_otto_cannot_read_riverside_objects(as_otto, riverside, path):
    response = as_otto.get(path.format(**riverside))
    assert response.status_code == 404
    assert "Jones" not in response.content.decode()


@time_machine.travel("2026-01-06 12:00Z", tick=False)
@pytest.mark.parametrize("path", ["/api/v1/patients/", "/api/v1/enrollments/", "/api/v1/events/",
                                  "/api/v1/administrations/", "/api/v1/lab-results/", "/api/v1/alerts/"])
def test_otto_sees_none_of_riverside_in_lists(as_otto, riverside, path):
    response = as_otto.get(path)
    assert response.status_code == 200
    assert response.json()["count"] == 0


@time_machine.travel("2026-01-06 12:00Z", tick=False)
@pytest.mark.parametrize("path, body", [
    ("/api/v1/enrollments/", {"patient": "{patient}", "protocol": "b12-im-standard", "start_date": "2026-01-06"}),
    ("/api/v1/administrations/", {"event": "{event}", "outcome": "missed", "occurred_at": "2026-01-06T10:00:00Z"}),
    ("/api/v1/lab-results/", {"patient": "{patient}", "test": "hb", "value": 100, "unit": "g/L",
                              "collected_at": "2026-01-06T09:00:00Z"}),
    ("/api/v1/enrollments/{enrollment}/end-phase/", {"phase": "loading", "date": "2026-01-06", "reason": "x"}),
    ("/api/v1/administrations/{administration}/entered-in-error/", {"reason": "x"}),
    ("/api/v1/lab-results/{lab}/entered-in-error/", {"reason": "x"}),
    ("/api/v1/alerts/{alert}/acknowledge/", {}),
])
def test_otto_cannot_write_to_riverside_objects(as_otto, riverside, path, body):
    body = {k: (int(v.format(**riverside)) if isinstance(v, str) and v.startswith("{") else v) for k, v in body.items()}
    response = as_otto.post(path.format(**riverside), body, format="json")
    assert response.status_code == 404, response.json()


def test_an_anonymous_caller_is_refused(client, riverside):
    assert client.get("/api/v1/patients/").status_code in (401, 403)
