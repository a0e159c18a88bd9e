"""/health/ names what is wrong, within minutes of a sweep stopping; /health/live/ only says the process is up."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from config.celery_app import app
from ops import heartbeats
from ops.heartbeats import heartbeat_record

pytestmark = pytest.mark.django_db


def health(client, **extra):
    response = client.get("/health/", **extra)
    return response.status_code, response.json()


def test_a_running_deployment_is_healthy(client, swept):
    swept()
    status, body = health(client)
    assert status == 200, body
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"database", "broker", "migrations", "reminders-sweep", "alerts-sweep"}


def test_with_the_reminder_sweep_stopped_health_fails_within_three_minutes_naming_it(client, swept):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        swept()
        clock.shift(timedelta(minutes=2, seconds=50))
        assert health(client)[0] == 200
        clock.shift(timedelta(seconds=11))  # 3 min 1 s since the last sweep
        status, body = health(client)
    assert status == 503
    assert body["status"] == "fail" and body["failing"] == ["reminders-sweep"]
    assert "the reminder sweep last succeeded 3 min 1 s ago (allowed: 3 min)" in body["checks"]["reminders-sweep"]["detail"]


def test_the_message_tells_a_stopped_worker_from_a_stopped_beat(client, swept):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        swept()
        clock.shift(timedelta(minutes=5))
        heartbeat_record(heartbeats.BEAT_QUEUED_REMINDERS_SWEEP)
        worker_down = health(client)[1]["checks"]["reminders-sweep"]["detail"]
        clock.shift(timedelta(minutes=5))
        beat_down = health(client)[1]["checks"]["reminders-sweep"]["detail"]
    assert "beat queued it 0 s ago, so no worker is running it" in worker_down
    assert "is Celery beat running?" in beat_down


def test_a_new_deployment_is_not_failing_only_because_the_hourly_alert_sweep_has_not_run_yet(client, swept):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        heartbeat_record(heartbeats.BEAT_STARTED)
        assert health(client)[0] == 200  # nothing has run yet, beat just started
        for _ in range(119):
            clock.shift(timedelta(minutes=1))
            swept(alerts=False)  # the reminder sweep every minute; the alert sweep never
        assert health(client)[0] == 200
        clock.shift(timedelta(minutes=1, seconds=1))
        swept(alerts=False)
        status, body = health(client)
    assert status == 503 and body["failing"] == ["alerts-sweep"]
    assert "has not run since beat started 2.0 h ago" in body["checks"]["alerts-sweep"]["detail"]


def test_a_deployment_where_beat_never_started_is_failing(client):
    status, body = health(client)
    assert status == 503
    assert body["failing"] == ["reminders-sweep", "alerts-sweep"]
    assert body["checks"]["reminders-sweep"]["detail"] == "the reminder sweep has never run and no Celery beat has started"


def test_an_unreachable_broker_is_named(client, swept, monkeypatch):
    swept()
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:9/0")  # nothing listens on port 9
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:9/0")  # Celery reads it before its settings
    monkeypatch.setitem(app.conf, "broker_transport_options", {})
    status, body = health(client)
    assert status == 503 and body["failing"] == ["broker"]
    assert body["checks"]["broker"]["detail"]


def test_unapplied_migrations_are_named(client, swept, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    from ops import health as health_module

    swept()
    migration = type("Migration", (), {"app_label": "reminders", "name": "0099_new"})()
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [(migration, False)])
    monkeypatch.setitem(health_module._migrations_ok_at, "at", None)
    status, body = health(client)
    assert status == 503 and body["failing"] == ["migrations"]
    assert body["checks"]["migrations"]["detail"] == "1 not applied: reminders.0099_new"


def test_liveness_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/live/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_probes_answer_whatever_the_host_header_says_while_pages_still_check_it(client, swept, settings):
    settings.ALLOWED_HOSTS = ["clinic.example.org"]
    swept()
    assert client.get("/health/live/", HTTP_HOST="172.18.0.4:8000").status_code == 200
    assert client.get("/health/", HTTP_HOST="web:8000").status_code == 200
    assert client.get("/login/", HTTP_HOST="web:8000").status_code == 400
