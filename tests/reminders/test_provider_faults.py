"""Faults at the provider and in the worker, with real processes: a provider that fails or asks us to
slow down for a while, a worker killed with hundreds of sends in flight, Redis (broker and rate-limit
store) restarted mid-run. Nothing is lost, nothing is sent twice but what was in flight at a kill,
every row ends sent, failed or expired (with a reason), and the rate limit holds."""

import shutil
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from reminders.models import Reminder, ReminderStatus

from .workers import ProviderStandin, RedisServer, Worker, due_dose_reminders, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("builtin_protocols")]

#: Quick sweeps and retries, so that a test sees several rounds in seconds.
FAST = {"REMINDERS_SWEEP_EVERY_SECONDS": "1", "REMINDERS_RETRY_BASE_SECONDS": "1", "REMINDERS_LEASE_MARGIN_SECONDS": "3"}


@pytest.fixture
def processes(tmp_path):
    started = []

    def start(thing):
        started.append(thing)
        return thing.start()

    yield start
    for thing in reversed(started):
        thing.stop()


def sweep_until(worker: Worker, condition, timeout: float, what: str) -> None:
    """Fire the sweep every second, as a quick beat would, until `condition` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}\n{worker.output()}"
        worker.sweep()
        time.sleep(1)


def finished(ids) -> bool:
    return not Reminder.objects.filter(pk__in=ids, status__in=["pending", "sending"]).exists()


def statuses(ids) -> Counter:
    return Counter(Reminder.objects.filter(pk__in=ids).values_list("status", flat=True))


def phones(ids) -> dict[str, int]:
    return dict(Reminder.objects.filter(pk__in=ids).values_list("patient__phone", "pk"))


def received_per_row(provider: ProviderStandin, ids) -> Counter:
    """How many times the provider accepted each row's text."""
    by_phone = phones(ids)
    counts = Counter()
    for key, times in provider.stats(detail=True)["received"].items():
        counts[by_phone[key.split("|", 1)[0]]] += times
    return counts


@pytest.mark.parametrize("fault", [500, 429])
def test_a_provider_failing_for_a_while_then_recovering_gets_every_text_once(clinic, cara, tmp_path, processes,
                                                                             fault):
    provider = processes(ProviderStandin(tmp_path, latency_ms=20, fail_status=fault, fail_seconds=3))
    ids = due_dose_reminders(clinic, cara, 150, timezone.now())
    worker = processes(Worker(tmp_path, env={**provider.twilio_env, **FAST})).wait_ready()
    sweep_until(worker, lambda: finished(ids), 90, "every reminder to be finished")

    assert statuses(ids) == {"sent": len(ids)}
    received = received_per_row(provider, ids)
    assert set(received) == set(ids) and set(received.values()) == {1}, "each accepted exactly once"
    answers = provider.stats()["status"]
    assert int(answers[str(fault)]) > 0, "the fault was seen"
    attempts = Counter(Reminder.objects.filter(pk__in=ids).values_list("attempts", flat=True))
    if fault == 429:
        assert set(attempts) == {1}, "a provider asking to slow down costs no attempt"
    else:
        assert max(attempts) > 1, "a failing provider costs an attempt and a retry"


def test_a_worker_killed_with_200_sends_in_flight_loses_nothing_and_resends_at_most_those(clinic, cara, tmp_path,
                                                                                         processes):
    provider = processes(ProviderStandin(tmp_path, latency_ms=1500))
    ids = due_dose_reminders(clinic, cara, 700, timezone.now())
    env = {**provider.twilio_env, "REMINDERS_SMS_CONCURRENCY": "200", "REMINDERS_LEASE_MARGIN_SECONDS": "3"}
    doomed = processes(Worker(tmp_path, name="doomed", env=env)).wait_ready()
    doomed.sweep()
    wait_for(lambda: provider.stats()["in_flight"] >= 200 and provider.stats()["accepted"] >= 200, 90,
             "200 sends in flight after some were answered", every=0.05)
    doomed.kill()
    claimed_at_kill = set(Reminder.objects.filter(pk__in=ids, status=ReminderStatus.SENDING)
                          .values_list("pk", flat=True))
    recorded_at_kill = Reminder.objects.filter(pk__in=ids, status=ReminderStatus.SENT).count()
    assert recorded_at_kill > 0, "outcomes are written as the sends come back, not at the end"
    wait_for(lambda: provider.stats()["in_flight"] == 0, 10, "the provider to answer what it had")
    in_flight_at_kill = {pk for pk in received_per_row(provider, ids) if pk in claimed_at_kill}
    assert len(in_flight_at_kill) >= 200

    survivor = processes(Worker(tmp_path, name="survivor", queue=doomed.queue,
                                env={**env, "REMINDERS_SMS_CONCURRENCY": "50"})).wait_ready()
    lease_end = max(Reminder.objects.filter(pk__in=claimed_at_kill).values_list("next_attempt_at", flat=True))
    wait_for(lambda: timezone.now() > lease_end, 60, "the dead worker's lease to run out")
    sweep_until(survivor, lambda: finished(ids), 60, "the rest to be sent")

    assert statuses(ids) == {"sent": len(ids)}
    received = received_per_row(provider, ids)
    assert set(received) == set(ids), "nothing lost"
    twice = {pk for pk, times in received.items() if times > 1}
    assert twice <= in_flight_at_kill, "only texts in flight at the kill are sent twice"
    assert max(received.values()) == 2


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="no redis-server binary on this machine")
def test_redis_restarted_mid_run_loses_nothing_and_the_rate_limit_holds(clinic, cara, tmp_path, processes):
    redis = processes(RedisServer(tmp_path))
    provider = processes(ProviderStandin(tmp_path, latency_ms=20))
    ids = due_dose_reminders(clinic, cara, 120, timezone.now() + timedelta(seconds=2))
    env = {**provider.twilio_env, **FAST, "TWILIO_MAX_PER_SECOND": "20"}
    processes(Worker(tmp_path, broker=redis.url, queue="celery", beat=True, env=env)).wait_ready()
    wait_for(lambda: provider.stats()["accepted"] >= 30, 30, "sending to be under way")
    redis.stop()
    time.sleep(3)
    redis.start()
    wait_for(lambda: finished(ids), 90, "every reminder to be finished once Redis is back", every=0.5)

    assert statuses(ids) == {"sent": len(ids)}
    received = received_per_row(provider, ids)
    assert set(received) == set(ids) and set(received.values()) == {1}
    assert provider.stats()["max_per_second"] <= 20
