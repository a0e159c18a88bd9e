"""/metrics/: reminders by status and channel, the sweep's lag, sends per provider with latencies,
open alerts by code, request latency by view; only for a scraper holding the token in production."""

from datetime import date

import pytest
import time_machine

from alerts.models import Alert
from ops import metrics
from ops.metrics.shared import Store, samples
from reminders.outbox import send_due_reminders

from .conftest import sample

pytestmark = pytest.mark.django_db
DOSE_DAY = date(2026, 3, 2)


@pytest.fixture
def on_iron(patient, enroll):
    """Pat takes oral iron at 08:00 London time (08:00 UTC in March) from Monday 2 March 2026."""
    with time_machine.travel("2026-03-01 06:00Z", tick=False):
        return enroll(patient, "iron-oral-daily", DOSE_DAY)


def test_the_sweep_lag_grows_while_nothing_sweeps_and_falls_to_zero_once_it_does(on_iron, scrape):
    with time_machine.travel("2026-03-02 07:59Z", tick=False) as clock:
        assert sample(scrape(), "clinic_reminders_oldest_due_seconds") == 0
        clock.move_to("2026-03-02 08:01Z")
        assert sample(scrape(), "clinic_reminders_oldest_due_seconds") == 60
        clock.move_to("2026-03-02 08:04Z")
        assert sample(scrape(), "clinic_reminders_oldest_due_seconds") == 240
        send_due_reminders()
        assert sample(scrape(), "clinic_reminders_oldest_due_seconds") == 0


def test_reminders_are_counted_by_status_and_channel(on_iron, scrape):
    before = scrape()
    pending_sms = sample(before, "clinic_reminders", status="pending", channel="sms")
    assert pending_sms and pending_sms == sample(before, "clinic_reminders", status="pending", channel="email")
    with time_machine.travel("2026-03-02 08:00:10Z", tick=False):
        send_due_reminders()
    after = scrape()
    assert sample(after, "clinic_reminders", status="sent", channel="sms") == 1
    assert sample(after, "clinic_reminders", status="pending", channel="sms") == pending_sms - 1


def test_sends_are_counted_per_provider_and_outcome_with_a_latency_histogram(on_iron, scrape, reminder_settings):
    from reminders.channels import TransientError
    from tests.reminders.backends import RecordingSmsBackend

    with time_machine.travel("2026-03-02 08:00:10Z", tick=False):
        send_due_reminders()
    with time_machine.travel("2026-03-03 08:00:10Z", tick=False):
        RecordingSmsBackend.fail_with = TransientError("gateway timeout")
        send_due_reminders()
    samples = scrape()
    assert sample(samples, "clinic_reminder_sends_total", channel="sms", provider="recordingsms", outcome="sent") == 1
    assert sample(samples, "clinic_reminder_sends_total", channel="sms", provider="recordingsms", outcome="retry") == 1
    assert sample(samples, "clinic_reminder_sends_total", channel="email", provider="locmem", outcome="sent") == 2
    assert sample(samples, "clinic_reminder_send_seconds_count", channel="sms", provider="recordingsms") == 2
    assert sample(samples, "clinic_reminder_send_seconds_bucket", channel="sms", provider="recordingsms", le="+Inf") == 2
    assert sample(samples, "clinic_reminder_send_seconds_bucket", channel="sms", provider="recordingsms", le="30.0") == 2


def test_open_alerts_are_counted_by_code(patient, scrape):
    for n, code in enumerate(["dose-missed", "dose-missed", "maintenance-overdue"]):
        Alert.objects.create(clinic=patient.clinic, patient=patient, code=code, message="-", fingerprint=str(n))
    Alert.objects.create(clinic=patient.clinic, patient=patient, code="dose-missed", message="-", fingerprint="x",
                         status="resolved")
    samples = scrape()
    assert sample(samples, "clinic_alerts_open", code="dose-missed") == 2
    assert sample(samples, "clinic_alerts_open", code="maintenance-overdue") == 1


def test_request_latency_is_recorded_by_view(client, nina, patient, scrape):
    client.force_login(nina)
    assert client.get(f"/patients/{patient.pk}/").status_code == 200
    assert client.get("/patients/").status_code == 200
    samples = scrape()
    assert sample(samples, "clinic_http_request_seconds_count", view="dashboard:patient", method="GET") == 1
    assert sample(samples, "clinic_http_requests_total", view="dashboard:patients", method="GET", status="2xx") == 1
    assert not any(name == "clinic_http_requests_total" and ("view", "<unmatched>") in labels
                   for name, labels in samples), "scrapes and probes are not counted as requests"


def test_heartbeat_ages_and_health_checks_are_metrics_too(scrape, swept):
    swept()
    samples = scrape()
    assert sample(samples, "clinic_heartbeat_age_seconds", heartbeat="reminders-sweep") < 5
    assert sample(samples, "clinic_health_check", check="reminders-sweep") == 1
    assert sample(samples, "clinic_health_check", check="database") == 1


def test_in_production_metrics_need_the_token(client, settings):
    settings.PRODUCTION = True
    assert client.get("/metrics/").status_code == 401
    settings.METRICS_TOKEN = "s3cret-scraper-token"
    assert client.get("/metrics/").status_code == 401
    assert client.get("/metrics/", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics/", HTTP_AUTHORIZATION="Bearer s3cret-scraper-token").status_code == 200


def test_processes_sharing_redis_add_up_to_one_total(tmp_path):
    from tests.reminders.workers import RedisServer

    redis = RedisServer(tmp_path)
    if redis.binary is None:
        pytest.skip("no redis-server binary")
    redis.start()
    try:
        web, worker = Store(redis.url, prefix="t:"), Store(redis.url, prefix="t:")
        for store, seconds in ((web, 0.2), (worker, 0.03), (worker, 4.0)):
            metrics.reset_store(store)
            metrics.observe_send("sms", "twilio", seconds, "sent")
        worker.flush()
        metrics.reset_store(web)
        assert dict(samples(web, metrics.REMINDER_SENDS)) == {("sms", "twilio", "sent"): 3.0}
        (labels, buckets, total), = samples(web, metrics.REMINDER_SEND_SECONDS)
        assert dict(buckets)["0.05"] == 1 and dict(buckets)["0.25"] == 2 and dict(buckets)["+Inf"] == 3
        assert total == pytest.approx(4.23)
    finally:
        redis.stop()


def test_with_redis_away_the_database_metrics_still_answer(patient, scrape):
    metrics.reset_store(Store("redis://127.0.0.1:9/0"))  # nothing listens on port 9
    samples = scrape()
    assert sample(samples, "clinic_metrics_shared_up") == 0
    assert sample(samples, "clinic_reminders_oldest_due_seconds") == 0
