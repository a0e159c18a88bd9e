"""Sentences for API tests: enroll, read the schedule, record an outcome."""

INJECTION = {"dose_mg": 1, "route": "IM", "site": "deltoid-left", "lot_number": "LOT-42"}


def enroll(client, patient, protocol, start_date, **extra):
    response = client.post("/api/v1/enrollments/", {"patient": patient.id, "protocol": protocol,
                                                     "start_date": start_date, **extra}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def schedule(client, enrollment_id, **params):
    response = client.get(f"/api/v1/enrollments/{enrollment_id}/schedule/", params)
    assert response.status_code == 200, response.json()
    return response.json()["events"]


def doses(events, phase):
    return [e for e in events if e["kind"] == "dose" and e["phase"] == phase]


def dates(events):
    return [e["due_date"] for e in events]


def record(client, event, outcome, occurred_at, headers=None, **details):
    body = {"event": event["id"] if isinstance(event, dict) else event, "outcome": outcome, "occurred_at": occurred_at}
    if outcome == "given" and not details:
        details = INJECTION
    body.update(details)
    return client.post("/api/v1/administrations/", body, format="json", headers=headers or {})


def give(client, event, occurred_at, **details):
    response = record(client, event, "given", occurred_at, **details)
    assert response.status_code == 201, response.json()
    return response.json()
