"""Faults with real processes: sweeps racing, a worker killed mid-batch, the broker going away."""

import shutil
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from reminders.models import Reminder, ReminderStatus

from .backends import read_sms_file
from .workers import RedisServer, Worker, due_dose_reminders, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("builtin_protocols")]


@pytest.fixture
def sms_file(tmp_path):
    return tmp_path / "sms.jsonl"


@pytest.fixture
def start_worker(tmp_path, sms_file):
    started = []

    def start(slow_seconds: float = 0.0, **options) -> Worker:
        env = {"SMS_BACKEND": "tests.reminders.backends.SlowFileBackend", "SMS_FILE": str(sms_file),
               "SLOW_SMS_SECONDS": str(slow_seconds), **options.pop("env", {})}
        worker = Worker(tmp_path, name=f"w{len(started) + 1}", env=env, **options)
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()


def sent_references(sms_file) -> list[int]:
    return [line["reference"] for line in read_sms_file(sms_file)]


def all_sent(ids) -> bool:
    return Reminder.objects.filter(pk__in=ids, status=ReminderStatus.SENT).count() == len(ids)


def test_two_workers_sweeping_at_the_same_time_send_nothing_twice(clinic, cara, start_worker, sms_file):
    ids = due_dose_reminders(clinic, cara, 1200, timezone.now() - timedelta(seconds=1))
    # One sweep asked of each worker (each consumes its own queue), so both sweep the same due rows at
    # once whatever the machine's load; each send takes 100 ms, so the sweeps overlap for seconds.
    first = start_worker(slow_seconds=0.1)
    second = start_worker(slow_seconds=0.1)
    first.wait_ready()
    second.wait_ready()
    first.sweep()
    second.sweep()
    wait_for(lambda: all_sent(ids), 60, "every reminder to be sent", every=0.25)
    references = sent_references(sms_file)
    assert sorted(references) == sorted(ids), "each reminder sent exactly once"
    assert set(Reminder.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == {1}
    busy = [w for w in (first, second) if "reminders sweep: {" in w.output()]
    assert len(busy) == 2, "both workers swept at the same time"


def test_a_worker_killed_mid_batch_loses_nothing_and_resends_at_most_those_in_flight(clinic, cara, start_worker,
                                                                                    sms_file):
    ids = due_dose_reminders(clinic, cara, 120, timezone.now() - timedelta(seconds=1))
    lease = {"REMINDERS_LEASE_MARGIN_SECONDS": "3", "REMINDERS_SMS_CONCURRENCY": "4"}
    doomed = start_worker(slow_seconds=0.1, env=lease).wait_ready()
    doomed.sweep()
    wait_for(lambda: Reminder.objects.filter(pk__in=ids, status=ReminderStatus.SENT).count() >= 20, 30,
             "part of the batch to go out and be recorded")
    doomed.kill()

    recorded = Reminder.objects.filter(pk__in=ids, status=ReminderStatus.SENT).count()
    in_flight = Reminder.objects.filter(pk__in=ids, status=ReminderStatus.SENDING).count()
    assert recorded < len(ids), "outcomes are written as the batch goes, not only at its end"
    assert recorded + in_flight == len(ids) and in_flight > 0

    survivor = start_worker(env=lease, queue=doomed.queue).wait_ready()
    lease_end = max(Reminder.objects.filter(pk__in=ids, status=ReminderStatus.SENDING)
                    .values_list("next_attempt_at", flat=True))
    wait_for(lambda: timezone.now() > lease_end, 60, "the dead worker's lease to expire")
    survivor.sweep()
    wait_for(lambda: all_sent(ids), 30, "the rest to be sent", every=0.25)

    references = sent_references(sms_file)
    assert set(references) == set(ids), "no reminder lost"
    resent = sum(count - 1 for count in Counter(references).values())
    assert resent <= in_flight, "only rows in flight when the worker died are sent twice"


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="no redis-server binary on this machine")
def test_with_redis_stopped_for_a_while_nothing_is_lost_and_everything_due_is_sent_when_it_is_back(
        clinic, cara, tmp_path, start_worker, sms_file):
    redis = RedisServer(tmp_path).start()
    try:
        worker = start_worker(broker=redis.url, queue="celery", beat=True,
                              env={"REMINDERS_SWEEP_EVERY_SECONDS": "1"}).wait_ready()
        before = due_dose_reminders(clinic, cara, 10, timezone.now())
        wait_for(lambda: all_sent(before), 30, "the beat and worker to send what is due", every=0.25)

        during = due_dose_reminders(clinic, cara, 20, timezone.now() + timedelta(seconds=2))
        redis.stop()
        time.sleep(6)  # the reminders fall due while the broker is away
        assert not Reminder.objects.filter(pk__in=during, status=ReminderStatus.SENT).exists()
        redis.start()
        wait_for(lambda: all_sent(during), 60, "everything due to be sent once Redis is back", every=0.25)
    finally:
        redis.stop()
    references = sent_references(sms_file)
    assert sorted(references) == sorted(before + during), worker.output()
