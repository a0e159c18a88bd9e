"""Channels against real local servers: a stand-in for Twilio's REST API, and an SMTP server."""

import base64
import io
import socket

import pytest
from aiosmtpd.controller import Controller
from django.core.exceptions import ImproperlyConfigured

from reminders.channels import EmailSender, Message, PermanentError, TransientError, sms_backend
from reminders.channels.sms import ConsoleBackend, DisabledBackend, FileBackend
from reminders.channels.twilio import TwilioBackend

from .backends import read_sms_file

TEXT = Message(reference=7, channel="sms", to="+447700900123", body="Riverside Clinic: time for today's dose.")
EMAIL = Message(reference=8, channel="email", to="pat@example.org", body="Time for today's dose.",
                subject="Riverside Clinic: Today's dose", sender_name="Riverside Clinic",
                headers={"List-Unsubscribe": "<https://clinic.test/r/unsubscribe/x/>"})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_twilio_is_sent_the_text_with_basic_auth_and_answers_a_message_sid(twilio):
    with sms_backend() as backend:
        assert isinstance(backend, TwilioBackend)
        assert backend.send(TEXT) == "SM0001"
    request = twilio.requests[0]
    assert request["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert request["auth"] == "Basic " + base64.b64encode(b"AC123:secret-token").decode()
    assert request["form"] == {"To": "+447700900123", "Body": TEXT.body, "From": "+15005550006",
                               "StatusCallback": "https://clinic.test/r/sms/status/"}


def test_twilio_messages_of_a_batch_share_one_connection(twilio):
    with sms_backend() as backend:
        for _ in range(3):
            backend.send(TEXT)
    assert len({r["connection"] for r in twilio.requests}) == 1


def test_a_messaging_service_replaces_the_from_number(twilio, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG123"
    with sms_backend() as backend:
        backend.send(TEXT)
    assert twilio.requests[0]["form"]["MessagingServiceSid"] == "MG123" and "From" not in twilio.requests[0]["form"]


@pytest.mark.parametrize(("status", "answer", "error", "bad_contact", "opted_out"), [
    (400, {"code": 21211, "message": "Invalid 'To' Phone Number"}, PermanentError, True, False),
    (400, {"code": 21610, "message": "Attempt to send to unsubscribed recipient"}, PermanentError, False, True),
    (400, {"code": 21602, "message": "Message body is required"}, PermanentError, False, False),
    (429, {"code": 20429, "message": "Too Many Requests"}, TransientError, None, None),
    (500, {"message": "Internal error"}, TransientError, None, None),
    (401, {"code": 20003, "message": "Authenticate"}, TransientError, None, None),
])
def test_twilio_errors_are_told_apart(twilio, status, answer, error, bad_contact, opted_out):
    twilio.answers.append((status, answer))
    with sms_backend() as backend, pytest.raises(error) as raised:
        backend.send(TEXT)
    if error is PermanentError:
        assert (raised.value.bad_contact, raised.value.opted_out) == (bad_contact, opted_out)


def test_twilio_out_of_reach_is_a_transient_failure(settings, twilio):
    settings.TWILIO_API_URL = f"http://127.0.0.1:{free_port()}"
    with sms_backend() as backend, pytest.raises(TransientError):
        backend.send(TEXT)


def test_twilio_without_credentials_fails_loudly(settings):
    settings.REMINDERS_SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""
    with pytest.raises(ImproperlyConfigured, match="TWILIO_ACCOUNT_SID"):
        sms_backend()


def test_an_unknown_sms_backend_fails_loudly(settings):
    settings.REMINDERS_SMS_BACKEND = "carrier.pigeon.Backend"
    with pytest.raises(ImproperlyConfigured, match="carrier.pigeon"):
        sms_backend()


def test_the_file_backend_appends_one_json_line_per_text(tmp_path, settings):
    settings.REMINDERS_SMS_FILE = str(tmp_path / "sms.jsonl")
    settings.REMINDERS_SMS_BACKEND = "file"
    with sms_backend() as backend:
        assert isinstance(backend, FileBackend)
        backend.send(TEXT)
        backend.send(TEXT)
    lines = read_sms_file(tmp_path / "sms.jsonl")
    assert [(line["reference"], line["to"]) for line in lines] == [(7, "+447700900123")] * 2


def test_the_console_backend_prints_the_text():
    backend = ConsoleBackend()
    backend.stream = io.StringIO()
    backend.send(TEXT)
    assert "SMS to +447700900123" in backend.stream.getvalue() and TEXT.body in backend.stream.getvalue()


def test_with_sms_disabled_every_text_fails_at_once():
    with pytest.raises(PermanentError, match="no SMS gateway"):
        DisabledBackend().send(TEXT)


class RefusingHandler:
    """An SMTP server's mailbox that refuses some recipients."""

    def __init__(self):
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("gone@"):
            return "550 5.1.1 No such user"
        if address.startswith("full@"):
            return "452 4.2.2 Mailbox full, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content.decode())
        return "250 Message accepted"


@pytest.fixture
def smtp(settings):
    handler = RefusingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield handler
    controller.stop()


def test_an_email_reaches_a_real_smtp_server_with_its_headers(smtp):
    with EmailSender() as sender:
        message_id = sender.send(EMAIL)
    assert message_id.startswith("<") and len(smtp.messages) == 1
    raw = smtp.messages[0]
    assert "List-Unsubscribe: <https://clinic.test/r/unsubscribe/x/>" in raw
    assert "From: Riverside Clinic <reminders@clinic.invalid>" in raw and message_id in raw


def test_an_address_the_mail_server_refuses_is_a_bad_contact(smtp):
    from dataclasses import replace

    with EmailSender() as sender:
        with pytest.raises(PermanentError) as refused:
            sender.send(replace(EMAIL, to="gone@example.org"))
        assert refused.value.bad_contact
        with pytest.raises(TransientError):
            sender.send(replace(EMAIL, to="full@example.org"))
        sender.send(EMAIL)  # the sender recovers for the next message
    assert len(smtp.messages) == 1


def test_a_mail_server_out_of_reach_is_a_transient_failure(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    with EmailSender() as sender, pytest.raises(TransientError):
        sender.send(EMAIL)
