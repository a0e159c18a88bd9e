"""Text messages through a pluggable gateway, chosen by settings.REMINDERS_SMS_BACKEND.

A backend sends (`Sender`) and reads the gateway's inbound webhook (`parse_inbound`), so that a
reply STOP reaches the opt-out whichever provider carries it.
"""

import hmac
import json
import logging
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpResponse
from django.utils.module_loading import import_string

from .base import Message, PermanentError, Sender

logger = logging.getLogger(__name__)

BACKEND_ALIASES = {
    "console": "reminders.channels.sms.ConsoleBackend",
    "disabled": "reminders.channels.sms.DisabledBackend",
    "file": "reminders.channels.sms.FileBackend",
    "null": "reminders.channels.sms.NullBackend",
    "twilio": "reminders.channels.twilio.TwilioBackend",
}


@dataclass(frozen=True)
class InboundSms:
    sender: str  # the patient's number, E.164
    body: str


@dataclass(frozen=True)
class DeliveryReport:
    """The gateway's later word on a text it accepted (Twilio's status callback)."""

    provider_ref: str
    status: str  # e.g. delivered, undelivered, failed
    error_code: int | None


class SmsBackend(Sender):
    #: The setting that holds the provider account's sends per second (none: unlimited).
    max_per_second_setting = ""
    #: Error codes in a delivery report that mean the number will never receive texts, or that the
    #: recipient unsubscribed (Twilio's; development backends take the same fields).
    bad_number_codes = frozenset({21211, 21214, 21217, 21407, 21421, 21612, 21614, 30005, 30006})
    unsubscribed_codes = frozenset({21610})

    def webhook_params(self, request) -> dict[str, str]:
        """The fields of a webhook call from the gateway. PermissionDenied if it is forged.

        Development backends expect settings.REMINDERS_SMS_WEBHOOK_SECRET in X-Webhook-Secret and
        Twilio's field names (From, Body, MessageSid, MessageStatus, ErrorCode), as a form or JSON.
        """
        secret = getattr(settings, "REMINDERS_SMS_WEBHOOK_SECRET", "")
        given = request.headers.get("X-Webhook-Secret", "")
        if not (secret and hmac.compare_digest(given, secret)):
            raise PermissionDenied("missing or wrong X-Webhook-Secret")
        data = request.POST
        if request.content_type == "application/json":
            try:
                data = json.loads(request.body or b"{}")
            except ValueError:
                data = {}
        return {str(key): str(value) for key, value in data.items()} if isinstance(data, dict) else {}

    def parse_inbound(self, request) -> InboundSms:
        """A reply from a patient, from the gateway's webhook request. PermissionDenied if forged."""
        params = self.webhook_params(request)
        return InboundSms(sender=params.get("From", "").strip(), body=params.get("Body", "").strip())

    def parse_status(self, request) -> DeliveryReport:
        """A delivery report for a text, from the gateway's status callback. PermissionDenied if forged."""
        params = self.webhook_params(request)
        code = (params.get("ErrorCode") or "").strip()
        return DeliveryReport(provider_ref=params.get("MessageSid", "").strip(),
                              status=params.get("MessageStatus", "").strip().lower(),
                              error_code=int(code) if code.isdigit() else None)

    def inbound_response(self) -> HttpResponse:
        return HttpResponse(status=204)


class NullBackend(SmsBackend):
    """Accepts every message and does nothing (benchmarks)."""

    def send(self, message: Message) -> str:
        return ""


class DisabledBackend(SmsBackend):
    """No SMS gateway: every text fails at once (clinics should remind by email only)."""

    def send(self, message: Message) -> str:
        raise PermanentError("no SMS gateway is configured (SMS_BACKEND=disabled)")


class ConsoleBackend(SmsBackend):
    """Development: print each text to standard output."""

    stream = None

    def send(self, message: Message) -> str:
        stream = self.stream or sys.stdout
        stream.write(f"SMS to {message.to} (reminder {message.reference}):\n{message.body}\n{'-' * 40}\n")
        stream.flush()
        return ""


class FileBackend(SmsBackend):
    """Development and tests: append each text as one JSON line to settings.REMINDERS_SMS_FILE."""

    _lock = threading.Lock()

    def __init__(self, path: str | None = None):
        self.path = Path(path or settings.REMINDERS_SMS_FILE)
        self.handle = None

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = self.path.open("a", encoding="utf-8")

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None

    def send(self, message: Message) -> str:
        if self.handle is None:
            self.open()
        line = json.dumps({"reference": message.reference, "to": message.to, "body": message.body,
                           "at": datetime.now(UTC).isoformat()})
        with self._lock:
            self.handle.write(line + "\n")
            self.handle.flush()
        return ""


def sms_backend_class() -> type[SmsBackend]:
    name = getattr(settings, "REMINDERS_SMS_BACKEND", "console")
    path = BACKEND_ALIASES.get(name, name)
    try:
        return import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"REMINDERS_SMS_BACKEND {name!r}: {exc}") from exc


def sms_backend() -> SmsBackend:
    return sms_backend_class()()


def sms_max_per_second() -> float:
    """The configured rate limit of the SMS backend's provider account (0: unlimited)."""
    try:
        setting = getattr(sms_backend_class(), "max_per_second_setting", "")
    except ImproperlyConfigured:
        return 0.0
    return float(getattr(settings, setting, 0) or 0) if setting else 0.0
