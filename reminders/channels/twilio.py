"""Twilio Programmable Messaging over its REST API (HTTPS, standard library only).

Settings (from the environment, see docs/reminders.md): TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN,
and TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID. Inbound replies (STOP, START) arrive
at the webhook signed with X-Twilio-Signature, which is checked against the auth token.
"""

import base64
import hashlib
import hmac
import http.client
import json
import ssl
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpResponse
from django.urls import reverse

from .base import Message, PermanentError, TransientError
from .sms import SmsBackend

#: Seconds to wait for Twilio before counting the attempt as a transient failure.
TIMEOUT_SECONDS = 10
#: Twilio error codes that mean this number will never receive our texts (when sending, and
#: later in a delivery report: 30005 unknown handset, 30006 landline).
BAD_NUMBER_CODES = SmsBackend.bad_number_codes
#: The recipient replied STOP to our sender: record the opt-out.
UNSUBSCRIBED_CODE = 21610
MAX_BODY_CHARS = 1600


def link_path_url(name: str) -> str:
    return settings.PUBLIC_BASE_URL + reverse(f"reminders:{name}")


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """X-Twilio-Signature: base64 HMAC-SHA1 of the URL followed by the sorted POST parameters."""
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class TwilioBackend(SmsBackend):
    def __init__(self):
        self.account_sid = settings.TWILIO_ACCOUNT_SID
        self.auth_token = settings.TWILIO_AUTH_TOKEN
        self.from_number = settings.TWILIO_FROM_NUMBER
        self.messaging_service_sid = settings.TWILIO_MESSAGING_SERVICE_SID
        if not (self.account_sid and self.auth_token and (self.from_number or self.messaging_service_sid)):
            raise ImproperlyConfigured(
                "the twilio SMS backend needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER "
                "(or TWILIO_MESSAGING_SERVICE_SID)")
        base = urlsplit(settings.TWILIO_API_URL)
        self.scheme, self.host, self.port = base.scheme, base.hostname, base.port
        self.path = f"{base.path.rstrip('/')}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        self.headers = {"Authorization": f"Basic {credentials}", "Content-Type": "application/x-www-form-urlencoded",
                        "Accept": "application/json"}
        self.connection = None

    def open(self) -> None:
        if self.scheme == "https":
            self.connection = http.client.HTTPSConnection(self.host, self.port, timeout=TIMEOUT_SECONDS,
                                                          context=ssl.create_default_context())
        else:  # a local stand-in for tests
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT_SECONDS)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def send(self, message: Message) -> str:
        form = {"To": message.to, "Body": message.body[:MAX_BODY_CHARS]}
        if settings.PUBLIC_BASE_URL.startswith("https://"):  # Twilio reports what became of the text
            form["StatusCallback"] = link_path_url("sms-status")
        if self.messaging_service_sid:
            form["MessagingServiceSid"] = self.messaging_service_sid
        else:
            form["From"] = self.from_number
        status, body = self._post(urlencode(form))
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = {}
        if 200 <= status < 300:
            return str(data.get("sid", ""))
        code = data.get("code")
        detail = f"Twilio {status} error {code}: {data.get('message', body[:200])}"
        if code == UNSUBSCRIBED_CODE:
            raise PermanentError(detail, opted_out=True)
        if code in BAD_NUMBER_CODES:
            raise PermanentError(detail, bad_contact=True)
        if status == 400:
            raise PermanentError(detail)
        raise TransientError(detail)  # 401/403 (configuration), 429 (rate), 5xx (Twilio down)

    def _post(self, body: str) -> tuple[int, bytes]:
        reused = self.connection is not None
        if not reused:
            self.open()
        try:
            self.connection.request("POST", self.path, body=body, headers=self.headers)
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            self.close()
            if not reused:
                raise TransientError(f"Twilio unreachable: {exc}") from exc
            self.open()  # a kept-alive connection the server had closed: nothing was sent, try afresh
            try:
                self.connection.request("POST", self.path, body=body, headers=self.headers)
            except (ConnectionError, http.client.HTTPException, OSError) as exc2:
                self.close()
                raise TransientError(f"Twilio unreachable: {exc2}") from exc2
        try:
            response = self.connection.getresponse()
            return response.status, response.read()
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            self.close()
            raise TransientError(f"no answer from Twilio: {exc}") from exc

    def webhook_params(self, request) -> dict[str, str]:
        url = settings.PUBLIC_BASE_URL + request.get_full_path()
        params = {key: request.POST.get(key) for key in request.POST}
        expected = twilio_signature(self.auth_token, url, params)
        if not hmac.compare_digest(request.headers.get("X-Twilio-Signature", ""), expected):
            raise PermissionDenied("bad X-Twilio-Signature")
        return params

    def inbound_response(self) -> HttpResponse:
        return HttpResponse('<?xml version="1.0" encoding="UTF-8"?><Response/>', content_type="text/xml")
