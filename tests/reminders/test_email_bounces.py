"""An email provider's later word on emails it accepted — a bounce, a complaint — reaches the patient's
record through the provider's signed webhook (django-anymail), as SMS delivery reports do."""

import hashlib
import hmac
import json
import time
from base64 import b64encode
from datetime import date

import pytest
import time_machine

from alerts.models import Alert
from reminders.models import OptOut, PatientReminderPreferences, Reminder, ReminderStatus
from reminders.outbox import send_due_reminders

pytestmark = pytest.mark.django_db
SIGNING_KEY = "mailgun-signing-key"
BASIC = "Basic " + b64encode(b"mailgun:webhook-password").decode()
URL = "/r/email/mailgun/tracking/"


@pytest.fixture(autouse=True)
def mailgun(settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY, "WEBHOOK_SECRET": "mailgun:webhook-password"}


@pytest.fixture
def sent_email(patient, enroll):
    """Pat's dose reminder of 2 March, sent by email; its Message-ID is the provider's reference."""
    with time_machine.travel("2026-03-01 06:00Z", tick=False):
        enroll(patient, "iron-oral-daily", date(2026, 3, 2))
    with time_machine.travel("2026-03-02 08:00Z", tick=False):
        send_due_reminders()
    row = Reminder.objects.get(channel="email", about_date=date(2026, 3, 2))
    assert row.status == ReminderStatus.SENT and row.provider_ref.startswith("<")
    return row


def mailgun_event(event: str, recipient: str, message_id: str, *, key: str = SIGNING_KEY, **extra) -> dict:
    timestamp, token = str(int(time.time())), "a" * 50
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {"signature": {"timestamp": timestamp, "token": token, "signature": signature},
            "event-data": {"event": event, "recipient": recipient, "timestamp": time.time(), "id": "evt-1",
                           "message": {"headers": {"message-id": message_id}}, **extra}}


def post(client, payload: dict, auth: str = BASIC):
    return client.post(URL, data=json.dumps(payload), content_type="application/json", HTTP_AUTHORIZATION=auth)


def test_a_bounce_fails_the_reminder_flags_the_address_and_alerts_the_staff(client, sent_email, patient):
    payload = mailgun_event("failed", patient.email, sent_email.provider_ref.strip("<>"), severity="permanent",
                            **{"delivery-status": {"code": 550, "message": "5.1.1 mailbox does not exist"}})
    assert post(client, payload).status_code == 200
    sent_email.refresh_from_db()
    assert sent_email.status == ReminderStatus.FAILED and "Mailgun reported the email bounced" in sent_email.status_reason
    flag = PatientReminderPreferences.objects.get(patient=patient).undeliverable["email"]
    assert flag["to"] == patient.email
    alert = Alert.objects.get(code="reminder-undeliverable", patient=patient)
    assert patient.email in alert.message
    assert not Reminder.objects.filter(patient=patient, channel="email", status=ReminderStatus.PENDING).exists()
    assert Reminder.objects.filter(patient=patient, channel="sms", status=ReminderStatus.PENDING).exists()


def test_a_complaint_opts_the_patient_out_of_email(client, sent_email, patient):
    assert post(client, mailgun_event("complained", patient.email, sent_email.provider_ref)).status_code == 200
    opt_out = OptOut.objects.get(patient=patient, ended_at__isnull=True)
    assert (opt_out.channel, opt_out.via, opt_out.detail) == ("email", "provider", patient.email)
    sent_email.refresh_from_db()
    assert sent_email.status == ReminderStatus.SENT, "it was delivered; the patient does not want more"


def test_a_temporary_failure_or_a_delivery_changes_nothing(client, sent_email, patient):
    assert post(client, mailgun_event("failed", patient.email, sent_email.provider_ref, severity="temporary")
                ).status_code == 200
    assert post(client, mailgun_event("delivered", patient.email, sent_email.provider_ref)).status_code == 200
    sent_email.refresh_from_db()
    assert sent_email.status == ReminderStatus.SENT and not Alert.objects.filter(code="reminder-undeliverable").exists()


def test_a_bounce_for_an_address_without_a_known_message_still_flags_every_patient_with_it(client, patient):
    assert post(client, mailgun_event("failed", patient.email.upper(), "unknown@mailgun", severity="permanent")
                ).status_code == 200
    assert PatientReminderPreferences.objects.get(patient=patient).undeliverable["email"]["to"] == patient.email


@pytest.mark.parametrize("forgery", ["wrong signing key", "no basic auth"])
def test_a_forged_report_is_refused_and_changes_nothing(client, sent_email, patient, forgery):
    payload = mailgun_event("failed", patient.email, sent_email.provider_ref, severity="permanent",
                            key="not-the-key" if forgery == "wrong signing key" else SIGNING_KEY)
    response = post(client, payload, auth=BASIC if forgery == "wrong signing key" else "")
    assert response.status_code in (400, 401, 403)
    sent_email.refresh_from_db()
    assert sent_email.status == ReminderStatus.SENT and not Alert.objects.exists()
