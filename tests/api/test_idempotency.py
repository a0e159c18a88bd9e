import time_machine

from patients.models import Administration
from tests.helpers import doses, enroll, record, schedule


@time_machine.travel("2026-01-05 12:00Z", tick=False)
def test_the_same_idempotency_key_answers_the_first_record_and_creates_nothing(as_cara, patient):
    event = doses(schedule(as_cara, enroll(as_cara, patient, "b12-im-standard", "2026-01-05")["id"]), "loading")[0]
    headers = {"Idempotency-Key": "tablet-7-0001"}
    first = record(as_cara, event, "given", "2026-01-05T10:00:00Z", headers=headers)
    again = record(as_cara, event, "given", "2026-01-05T10:00:00Z", headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Administration.objects.count() == 1


@time_machine.travel("2026-01-05 12:00Z", tick=False)
def test_a_reused_key_for_a_different_request_is_refused(as_cara, patient):
    events = doses(schedule(as_cara, enroll(as_cara, patient, "b12-im-standard", "2026-01-05")["id"]), "loading")
    headers = {"Idempotency-Key": "k-1"}
    assert record(as_cara, events[0], "given", "2026-01-05T10:00:00Z", headers=headers).status_code == 201
    reused = record(as_cara, events[1], "missed", "2026-01-05T10:00:00Z", headers=headers)
    assert reused.status_code == 422
    assert "idempotency_key" in reused.json()
    assert Administration.objects.count() == 1
