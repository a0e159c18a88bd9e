"""Real processes for end-to-end tests: a Celery worker (`celery -A config worker`) that sees the
test database, its own Redis when a test needs to stop one, and rows made in bulk."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection

from patients.models import Enrollment, Patient, ScheduledEvent
from patients.services.enrollments import resolve_protocol
from reminders.models import Reminder
from reminders.services.planning import reminder_key

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout: float, what: str, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def subprocess_database_url() -> str:
    """The URL of the database this test runs against, for a subprocess."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """`celery -A config worker` in a subprocess, consuming one queue of its own."""

    def __init__(self, tmp_path: Path, *, queue: str | None = None, broker: str | None = None, beat: bool = False,
                 env: dict | None = None, name: str = "w1"):
        self.queue = queue or f"reminders-test-{uuid.uuid4().hex[:10]}"
        self.log_path = tmp_path / f"worker-{name}.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": subprocess_database_url(),
            "CELERY_BROKER_URL": broker or settings.CELERY_BROKER_URL,
            "CELERY_BROKER_FOLDER": str(settings.CELERY_BROKER_FOLDER),
            "VAR_DIR": str(tmp_path / f"var-{name}"),
            "PUBLIC_BASE_URL": "https://clinic.test",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO",
                   "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{name}-{self.queue}@%h",
                   "-Q", self.queue]
        if beat:
            command += ["-B", "--schedule", str(tmp_path / f"beat-{name}")]
        self.command = command
        self.process = None

    def start(self) -> "Worker":
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        return self

    def wait_ready(self, timeout: float = 30) -> "Worker":
        wait_for(lambda: b" ready." in self.log_path.read_bytes() or self._died(), timeout, "the worker to start")
        assert self.process.poll() is None, self.output()
        return self

    def _died(self) -> bool:
        return self.process.poll() is not None

    def sweep(self) -> None:
        """Ask this worker, through the broker, to run the sweep."""
        from reminders.tasks import reminders_send_due

        reminders_send_due.apply_async(queue=self.queue)

    def kill(self) -> None:
        """SIGKILL: no cleanup, no goodbye, like a power cut."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """Cold shutdown; a worker still closing its broker connection after a second is killed."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(1)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process:
            self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


class RedisServer:
    """A redis-server of the test's own on a free port, which the test may stop and start again."""

    def __init__(self, tmp_path: Path):
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.dir = tmp_path
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._answers, 10, "redis-server to answer")
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def due_dose_reminders(clinic, actor, count: int, at: datetime, channel: str = "sms") -> list[int]:
    """`count` patients, each with an oral-iron dose and its reminder due at `at`, made in bulk."""
    version = resolve_protocol(clinic, "iron-oral-daily")
    day: date = at.astimezone(clinic.zone).date()
    tag = uuid.uuid4().hex[:6]
    patients = Patient.objects.bulk_create([
        Patient(clinic=clinic, mrn=f"B{tag}{n:06d}", given_name="Test", family_name=f"Patient {n}",
                date_of_birth=date(1970, 1, 1), sex="female", timezone=clinic.timezone,
                email=f"b{tag}{n}@example.org", phone=f"+4477{n:08d}")
        for n in range(count)])
    enrollments = Enrollment.objects.bulk_create([
        Enrollment(clinic=clinic, patient=p, protocol_version=version, start_date=day, created_by=actor)
        for p in patients])
    events = ScheduledEvent.objects.bulk_create([
        ScheduledEvent(clinic=clinic, enrollment=e, patient_id=e.patient_id, key="treatment#1", kind="dose",
                       code="ferrous-sulfate", phase="treatment", arm="iron", sequence=1, due_date=day, due_at=at,
                       window_start=day, window_end=day, setting="home", dose_mg=200, route="oral")
        for e in enrollments])
    reminders = Reminder.objects.bulk_create([
        Reminder(clinic=clinic, kind="dose", channel=channel, patient_id=e.patient_id, event=e, about_date=day,
                 key=reminder_key(e.pk, "dose", channel, day), send_at=at, next_attempt_at=at)
        for e in events])
    return [r.pk for r in reminders]


class ProviderStandin:
    """scripts/provider_standin.py in a process of its own: Twilio's Messages API (and SMTP) answering
    after a latency, counting what it received; faults on request."""

    def __init__(self, tmp_path: Path, *, latency_ms: float = 20, fail_status: int = 0, fail_seconds: float = 0,
                 max_per_second: int = 0):
        self.http_port, self.smtp_port = free_port(), free_port()
        self.command = [sys.executable, str(ROOT / "scripts" / "provider_standin.py"), "--http-port",
                        str(self.http_port), "--smtp-port", str(self.smtp_port), "--latency-ms", str(latency_ms),
                        "--fail-status", str(fail_status), "--fail-seconds", str(fail_seconds),
                        "--max-per-second", str(max_per_second)]
        self.log_path = tmp_path / f"standin-{self.http_port}.log"
        self.process = None

    def start(self) -> "ProviderStandin":
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(self.command, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(lambda: b"ready" in self.log_path.read_bytes(), 15, "the provider stand-in to start")
        return self

    @property
    def twilio_env(self) -> dict:
        return {"SMS_BACKEND": "twilio", "TWILIO_API_URL": f"http://127.0.0.1:{self.http_port}",
                "TWILIO_ACCOUNT_SID": "ACtest", "TWILIO_AUTH_TOKEN": "token", "TWILIO_FROM_NUMBER": "+15005550006",
                "TWILIO_MAX_PER_SECOND": "0"}

    def stats(self, detail: bool = False) -> dict:
        import json
        from urllib.request import urlopen

        with urlopen(f"http://127.0.0.1:{self.http_port}/stats{'?detail' if detail else ''}", timeout=5) as answer:
            return json.load(answer)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
            self.log.close()
