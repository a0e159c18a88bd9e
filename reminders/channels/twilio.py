"""Twilio Programmable Messaging over its REST API.

The sweep sends with `AsyncTwilioSender` (aiohttp, one keep-alive connection pool per sweep,
many requests in flight); `TwilioBackend.send` is the blocking equivalent (standard library).
Both speak Twilio's Messages API only (a form POST to .../Accounts/{sid}/Messages.json, a JSON
answer with `sid`), so TWILIO_API_URL may point at any server that speaks it.

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

import aiohttp
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpResponse
from django.urls import reverse

from .base import AsyncSender, Message, PermanentError, ThrottledError, TransientError
from .sms import SmsBackend

#: Seconds to wait for Twilio before counting the attempt as a transient failure.
TIMEOUT_SECONDS = 10
#: Twilio error codes that mean this number will never receive our texts (when sending, and
#: later in a delivery report: 30005 unknown handset, 30006 landline).
BAD_NUMBER_CODES = SmsBackend.bad_number_codes
#: The recipient replied STOP to our sender: record the opt-out.
UNSUBSCRIBED_CODE = 21610
MAX_BODY_CHARS = 1600
#: A 429 without Retry-After pauses the channel this long (seconds).
DEFAULT_RETRY_AFTER = 1.0


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is not used by Twilio and is ignored)."""
    try:
        return max(0.0, min(float(value), 3600.0)) if value else None
    except ValueError:
        return None


def link_path_url(name: str) -> str:
    return settings.PUBLIC_BASE_URL + reverse(f"reminders:{name}")


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """X-Twilio-Signature: base64 HMAC-SHA1 of the URL followed by the sorted POST parameters."""
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class TwilioBackend(SmsBackend):
    max_per_second_setting = "TWILIO_MAX_PER_SECOND"

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
        self.status_callback = None

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

    def form(self, message: Message) -> dict[str, str]:
        form = {"To": message.to, "Body": message.body[:MAX_BODY_CHARS]}
        if settings.PUBLIC_BASE_URL.startswith("https://"):  # Twilio reports what became of the text
            if self.status_callback is None:
                self.status_callback = link_path_url("sms-status")
            form["StatusCallback"] = self.status_callback
        if self.messaging_service_sid:
            form["MessagingServiceSid"] = self.messaging_service_sid
        else:
            form["From"] = self.from_number
        return form

    @staticmethod
    def outcome(status: int, body: bytes, retry_after: str | None = None) -> str:
        """The message's sid from Twilio's answer, or the classified error."""
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        if 200 <= status < 300:
            return str(data.get("sid", ""))[:100]
        code = data.get("code")
        detail = f"Twilio {status} error {code}: {data.get('message', body[:200])}"
        if status == 429:
            raise ThrottledError(detail, retry_after=retry_after_seconds(retry_after) or DEFAULT_RETRY_AFTER)
        if code == UNSUBSCRIBED_CODE:
            raise PermanentError(detail, opted_out=True)
        if code in BAD_NUMBER_CODES:
            raise PermanentError(detail, bad_contact=True)
        if status == 400:
            raise PermanentError(detail)
        raise TransientError(detail)  # 401/403 (configuration), 5xx (Twilio down)

    def send(self, message: Message) -> str:
        status, body, retry_after = self._post(urlencode(self.form(message)))
        return self.outcome(status, body, retry_after)

    def async_sender(self, concurrency: int) -> "AsyncTwilioSender":
        return AsyncTwilioSender(self, concurrency)

    def _post(self, body: str) -> tuple[int, bytes, str | None]:
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
            return response.status, response.read(), response.getheader("Retry-After")
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


class AsyncTwilioSender(AsyncSender):
    """Many requests in flight over one pool of kept-alive connections (aiohttp)."""

    provider = "twilio"

    def __init__(self, backend: TwilioBackend, concurrency: int):
        self.backend = backend
        self.url = f"{settings.TWILIO_API_URL.rstrip('/')}{backend.path}"
        self.concurrency = max(1, concurrency)
        self.session = None

    async def open(self) -> None:
        connector = aiohttp.TCPConnector(limit=self.concurrency, ttl_dns_cache=300)
        self.session = aiohttp.ClientSession(connector=connector, headers=self.backend.headers,
                                             timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS))

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None

    async def send(self, message: Message) -> str:
        try:
            async with self.session.post(self.url, data=urlencode(self.backend.form(message))) as response:
                body = await response.read()
                status, retry_after = response.status, response.headers.get("Retry-After")
        except TimeoutError as exc:
            raise TransientError(f"no answer from Twilio within {TIMEOUT_SECONDS} s") from exc
        except aiohttp.ClientError as exc:
            raise TransientError(f"Twilio unreachable: {exc!r}") from exc
        return self.backend.outcome(status, body, retry_after)
