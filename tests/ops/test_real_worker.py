"""With a real Celery worker and beat (subprocesses, their own Redis): the sweeps' heartbeats are
written by the task signals, /health/ is green while they run and 503 within 3 minutes once they
stop, the worker's send metrics reach /metrics/ through Redis, and the worker's JSON log of the run
holds no patient data."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from ops import heartbeats, metrics
from ops.models import Heartbeat
from patients.models import Patient
from reminders.models import ClinicReminderSettings, Reminder, ReminderStatus
from tests.reminders.workers import RedisServer, Worker, wait_for

from .conftest import parse_metrics, sample

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("builtin_protocols")]


@pytest.fixture
def redis(tmp_path):
    server = RedisServer(tmp_path)
    if server.binary is None:
        pytest.skip("no redis-server binary")
    yield server.start()
    server.stop()


def test_a_real_worker_and_beat_keep_health_green_and_stopping_them_turns_it_red(
        clinic, enroll, redis, tmp_path, client, settings):
    ClinicReminderSettings.for_clinic(clinic)
    ClinicReminderSettings.objects.filter(clinic=clinic).update(patient_channels="sms")
    philippa = Patient.objects.create(clinic=clinic, mrn="QX-7788", given_name="Philippa",
                                      family_name="Quennell-Astbury", email="philippa.q@example.org",
                                      phone="+447700900321", date_of_birth="1958-11-23", sex="female",
                                      timezone=clinic.timezone)
    dose_at = (timezone.now() + timedelta(seconds=5)).astimezone(philippa.zone).replace(microsecond=0)
    Patient.objects.filter(pk=philippa.pk).update(preferred_dose_time=dose_at.time())
    philippa.refresh_from_db()
    enroll(philippa, "iron-oral-daily", dose_at.date())
    row = Reminder.objects.filter(patient=philippa).order_by("send_at").first()
    assert row.send_at == dose_at

    settings.METRICS_REDIS_URL = redis.url
    metrics.reset_store()
    sms_file = tmp_path / "sms.jsonl"
    worker = Worker(tmp_path, queue="celery", broker=redis.url, beat=True, env={
        "REMINDERS_SWEEP_EVERY_SECONDS": "2", "LOG_FORMAT": "json", "METRICS_REDIS_URL": redis.url,
        "SMS_BACKEND": "file", "SMS_FILE": str(sms_file)})
    try:
        worker.start().wait_ready(60)
        wait_for(lambda: Reminder.objects.get(pk=row.pk).status == ReminderStatus.SENT, 60, "the text to be sent",
                 every=0.5)
        wait_for(lambda: Heartbeat.objects.filter(name=heartbeats.REMINDERS_SWEEP, at__gt=dose_at).exists(), 30,
                 "a sweep after the send", every=0.5)
        names = set(Heartbeat.objects.values_list("name", flat=True))
        assert {heartbeats.REMINDERS_SWEEP, heartbeats.BEAT_STARTED, heartbeats.BEAT_QUEUED_REMINDERS_SWEEP} <= names
        assert (tmp_path / "var-w1" / "beat-heartbeat").exists(), "beat touches its container's heartbeat file"
        health = client.get("/health/")
        assert health.status_code == 200, health.json()  # the alert sweep is inside its grace since beat started

        wait_for(lambda: sample(parse_metrics(client.get("/metrics/").content.decode()), "clinic_reminder_sends_total",
                                channel="sms", provider="file", outcome="sent") == 1, 20,
                 "the worker's send to reach /metrics/ through Redis", every=1)
    finally:
        worker.stop()

    with time_machine.travel(timezone.now() + timedelta(minutes=3, seconds=5), tick=False):
        health = client.get("/health/")
    assert health.status_code == 503 and "reminders-sweep" in health.json()["failing"]

    log = Path(worker.log_path).read_text(errors="replace")
    assert len(sms_file.read_text().splitlines()) == 1
    body = json.loads(sms_file.read_text().splitlines()[0])["body"]
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    sweeps = [line for line in lines if line.get("task_name") == "reminders.tasks.reminders_send_due"]
    assert sweeps and all(line["task_id"] for line in sweeps)
    for secret in ("Philippa", "Quennell", "philippa.q@example.org", "+447700900321", "7700900321", "QX-7788",
                   "1958-11-23", body, body.split("Tap ")[1].split()[0]):
        assert secret not in log, f"{secret!r} is in the worker's log"
