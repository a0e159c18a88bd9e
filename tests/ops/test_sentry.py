"""Error reports reach Sentry without patient data: proved with a fake transport that keeps what
would have been sent."""

import json

import pytest
import sentry_sdk
from sentry_sdk.transport import Transport

from ops.sentry import init_sentry
from patients.models import Patient

pytestmark = pytest.mark.django_db


class KeepingTransport(Transport):
    """Keeps every envelope instead of sending it."""

    envelopes: list = []

    def capture_envelope(self, envelope) -> None:
        KeepingTransport.envelopes.append(envelope)


def sent_text() -> str:
    return "\n".join(item.get_bytes().decode("utf-8", "replace")
                     for envelope in KeepingTransport.envelopes for item in envelope.items)


def sent_events() -> list[dict]:
    return [json.loads(item.get_bytes()) for envelope in KeepingTransport.envelopes for item in envelope.items
            if item.type == "event"]


@pytest.fixture
def sentry():
    KeepingTransport.envelopes = []
    init_sentry(dsn="https://public@sentry.invalid/1", environment="test", transport=KeepingTransport)
    yield
    sentry_sdk.get_client().flush()
    sentry_sdk.init(dsn=None)  # off again for the other tests


def render_failing(request, template, context=None, *args, **kwargs):
    """The patient page fails deep inside, with the patient in its local variables and contacts in the error.

    (Far from the test data below: Sentry sends the source lines around a failing line.)
    """
    patient = context["patient"]
    raise ValueError(f"could not lay out the plan of {patient.email} / {patient.phone}; see {PATIENT_LINK}")


@pytest.fixture
def philippa(clinic):
    return Patient.objects.create(clinic=clinic, timezone="Europe/London", **PHILIPPA)


def test_an_error_on_a_patient_page_reaches_sentry_without_patient_data(sentry, philippa, cara, client, monkeypatch):
    from dashboard.views import patient as patient_views

    original = patient_views.render
    monkeypatch.setattr(patient_views, "render", render_failing)
    client.raise_request_exception = False
    client.force_login(cara)
    client.cookies["last_patient"] = PHILIPPA["family_name"]
    response = client.get(f"/patients/{philippa.pk}/", {"q": PHILIPPA["family_name"]}, HTTP_X_PATIENT=PHILIPPA["given_name"])
    monkeypatch.setattr(patient_views, "render", original)
    assert response.status_code == 500
    sentry_sdk.get_client().flush()

    events = sent_events()
    assert events, "the error was reported"
    exception = events[0]["exception"]["values"][-1]
    assert exception["type"] == "ValueError"
    assert exception["value"] == "could not lay out the plan of [email] / [phone]; see /r/taken/[token]/"
    assert any(frame["function"] == "render_failing" for frame in exception["stacktrace"]["frames"])
    text = sent_text()
    for secret in [*PHILIPPA.values(), "7700900321", PATIENT_LINK.split("/")[3], "sessionid", "last_patient"]:
        assert secret not in text, f"{secret!r} was sent to Sentry: {text[max(text.find(secret) - 300, 0):text.find(secret) + 100]}"
    assert events[0].get("user", {}) in ({}, {"id": str(cara.pk)}, {"id": cara.pk})


def test_a_failing_task_and_an_error_log_are_scrubbed_too(sentry, philippa):
    import logging

    from celery import shared_task

    @shared_task(name="tests.ops.failing_task")
    def failing_task(patient_id: int):
        patient = Patient.objects.get(pk=patient_id)
        raise RuntimeError(f"cannot text {patient.phone}")  # the task's source holds no data itself

    failing_task.apply(args=[philippa.pk])
    logging.getLogger("reminders.outbox").error("could not reach %s", philippa.email)
    sentry_sdk.get_client().flush()

    events = sent_events()
    assert len(events) >= 2
    values = [v["value"] for e in events for v in (e.get("exception") or {}).get("values", [])]
    assert "cannot text [phone]" in values
    messages = [e.get("logentry", {}).get("message") for e in events]
    assert "could not reach [email]" in messages
    text = sent_text()
    assert not [secret for secret in PHILIPPA.values() if secret in text]


PHILIPPA = {"mrn": "QX-7788", "given_name": "Philippa", "family_name": "Quennell-Astbury",
            "email": "philippa.quennell@example.org", "phone": "+447700900321", "date_of_birth": "1958-11-23",
            "sex": "female"}
PATIENT_LINK = "/r/taken/Mg:1vwyCD:ctlpQRIGx-8Qj43xuDxiOOEBpB7IXHvNgB4CZyfcyZA/"
