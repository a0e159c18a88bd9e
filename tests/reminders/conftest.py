import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from patients.services import enrollment_create
from reminders.ratelimit import LocalBucket
from tests.factories import StaffFactory

from .backends import RecordingSmsBackend


@pytest.fixture(autouse=True)
def reminder_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast staff factories
    settings.PUBLIC_BASE_URL = "https://clinic.test"
    settings.REMINDERS_SMS_BACKEND = "tests.reminders.backends.RecordingSmsBackend"
    settings.REMINDERS_SMS_WEBHOOK_SECRET = "webhook-secret"
    # one lane per channel: the order of sends is the order of rows, as these tests expect
    settings.REMINDERS_SMS_CONCURRENCY = settings.REMINDERS_EMAIL_CONCURRENCY = 1
    settings.TWILIO_MAX_PER_SECOND = settings.EMAIL_MAX_PER_SECOND = 0
    settings.REMINDERS_RATE_LIMIT_URL = "memory://"  # in-process: no state shared with other runs ...
    LocalBucket._state.clear()  # ... nor with other tests (each travels to its own time)
    RecordingSmsBackend.sent.clear()
    RecordingSmsBackend.attempts.clear()
    RecordingSmsBackend.fail_with = RecordingSmsBackend.on_send = None
    yield settings
    RecordingSmsBackend.fail_with = RecordingSmsBackend.on_send = None


@pytest.fixture
def clinic(clinic):
    """Riverside, planning two months ahead (a daily dose for a year is 365 events; tests need fewer)."""
    clinic.planning_horizon_months = 2
    clinic.save()
    return clinic


@pytest.fixture
def builtin_protocols(transactional_db):
    """A transactional test empties the tables the migrations filled: load the shipped protocols again."""
    from protocols.services import builtin_protocols_load

    builtin_protocols_load()


@pytest.fixture
def texts():
    """What the SMS gateway was asked to send, in order."""
    return RecordingSmsBackend.sent


@pytest.fixture
def enroll(cara):
    def enroll(patient, protocol: str = "iron-oral-daily", start: date | None = None, **options):
        return enrollment_create(actor=cara, patient=patient, protocol=protocol,
                                 start_date=start or patient.local_today(), options=options or None)
    return enroll


@pytest.fixture
def cara_with_email(cara):
    cara.email = "cara@riverside.test"
    cara.save()
    return cara


@pytest.fixture
def nina_with_email(nina):
    nina.email = "nina@riverside.test"
    nina.save()
    return nina


@pytest.fixture
def second_clinician(clinic):
    return StaffFactory(username="colin", clinic=clinic, role="clinician", email="colin@riverside.test")


#: What the SMS length test measured, printed at the end of the run: {language: "2 segments, 294 septets (...)"}.
SMS_LENGTH_REPORT = pytest.StashKey[dict]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    report = config.stash.get(SMS_LENGTH_REPORT, None)
    if report:
        terminalreporter.write_line("Longest patient text per language (at most 2 segments): "
                                    + "; ".join(f"{lang} {figures}" for lang, figures in report.items()))

class FakeTwilio(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real API

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append({"path": self.path, "auth": self.headers["Authorization"],
                                     "form": {k: v[0] for k, v in parse_qs(body.decode()).items()},
                                     "connection": id(self.connection)})
        status, answer = self.server.answers.pop(0) if self.server.answers else (201, {"sid": "SM0001"})
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def twilio(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    server.requests, server.answers = [], []
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    settings.REMINDERS_SMS_BACKEND = "twilio"
    settings.TWILIO_API_URL = f"http://127.0.0.1:{server.server_port}"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC123", "secret-token"
    settings.TWILIO_FROM_NUMBER, settings.TWILIO_MESSAGING_SERVICE_SID = "+15005550006", ""
    yield server
    server.shutdown()
    server.server_close()
