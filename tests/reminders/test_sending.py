"""The sending loop's channels against real local servers: Twilio over aiohttp, SMTP over aiosmtplib
(a connection per lane, re-used), back-pressure, and the shared rate limit."""

import asyncio
import time
from dataclasses import replace

import pytest
from aiosmtpd.controller import Controller

from reminders.channels import PermanentError, ThrottledError, TransientError, sms_backend
from reminders.channels.smtp import AsyncSmtpSender
from reminders.ratelimit import HEADROOM, SLOT_TOLERANCE, FileBucket, LocalBucket

from .test_channels import EMAIL, TEXT, RefusingHandler, free_port


def run(coroutine):
    return asyncio.run(coroutine)


async def send_all(sender, messages):
    await sender.open()
    try:
        lane = sender.lane()
        results = []
        for message in messages:
            try:
                results.append(await lane.send(message))
            except Exception as exc:
                results.append(exc)
        await lane.close()
        return results
    finally:
        await sender.close()


def test_twilio_is_sent_many_texts_at_once_over_kept_alive_connections(twilio):
    sender = sms_backend().async_sender(concurrency=4)

    async def many():
        await sender.open()
        try:
            return await asyncio.gather(*(sender.send(TEXT) for _ in range(12)))
        finally:
            await sender.close()

    assert run(many()) == ["SM0001"] * 12
    assert len(twilio.requests) == 12 and len({r["connection"] for r in twilio.requests}) <= 4
    assert twilio.requests[0]["form"]["To"] == TEXT.to and twilio.requests[0]["path"].endswith("/Messages.json")


def test_twilio_asking_to_slow_down_is_back_pressure_with_its_retry_after(twilio):
    twilio.answers.append((429, {"code": 20429, "message": "Too Many Requests"}))
    twilio.answers.append((503, {"message": "down"}))
    twilio.answers.append((400, {"code": 21211, "message": "Invalid 'To' Phone Number"}))
    first, second, third, fourth = run(send_all(sms_backend().async_sender(concurrency=1), [TEXT] * 4))
    assert isinstance(first, ThrottledError) and first.retry_after == 1.0  # no Retry-After: a second
    assert isinstance(second, TransientError) and not isinstance(second, ThrottledError)
    assert isinstance(third, PermanentError) and third.bad_contact
    assert fourth == "SM0001"


@pytest.fixture
def smtp_relay(settings):
    handler = RefusingHandler()
    handler.sessions = set()
    original = handler.handle_DATA

    async def handle_DATA(server, session, envelope):
        handler.sessions.add(id(session))
        return await original(server, session, envelope)

    handler.handle_DATA = handle_DATA
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield handler
    controller.stop()


def test_an_smtp_lane_sends_every_message_over_one_connection_and_recovers_after_a_refusal(smtp_relay):
    messages = [EMAIL, replace(EMAIL, to="gone@example.org"), replace(EMAIL, to="full@example.org"), EMAIL]
    ok, gone, full, again = run(send_all(AsyncSmtpSender(), messages))
    assert ok.startswith("<") and again.startswith("<") and ok != again
    assert isinstance(gone, PermanentError) and gone.bad_contact
    assert isinstance(full, TransientError) and not isinstance(full, ThrottledError)
    assert len(smtp_relay.messages) == 2
    assert "List-Unsubscribe: <https://clinic.test/r/unsubscribe/x/>" in smtp_relay.messages[0]
    assert len(smtp_relay.sessions) <= 2, "one connection, opened again only after the refusals"


def test_an_smtp_relay_saying_try_again_later_is_back_pressure(smtp_relay):
    async def busy(server, session, envelope):
        return "421 4.7.0 Try again later, closing connection"

    smtp_relay.handle_DATA = busy
    (result,) = run(send_all(AsyncSmtpSender(), [EMAIL]))
    assert isinstance(result, ThrottledError)


@pytest.mark.parametrize("bucket_class", ["local", "file"])
def test_the_rate_limit_spaces_slots_and_a_hold_delays_every_slot(bucket_class, tmp_path):
    key = f"test:{bucket_class}:{time.monotonic_ns()}"
    bucket = LocalBucket(key, 10) if bucket_class == "local" else FileBucket(key, 10, tmp_path)
    assert bucket.interval == pytest.approx(1 / (10 * HEADROOM))
    now = time.time()
    assert bucket.reserve(5) == pytest.approx(now, abs=0.05), "the first slot is now"
    assert bucket.reserve(1) == pytest.approx(now + 5 * bucket.interval, abs=0.05), "the next after the five reserved"
    bucket.hold(3)
    assert bucket.reserve(1) == pytest.approx(now + 3, abs=0.05)


def test_a_slow_down_seen_by_one_worker_pauses_the_others_even_without_a_rate_limit():
    from reminders.sending import Pacer

    key = f"test:shared-hold:{time.monotonic_ns()}"
    here, elsewhere = Pacer(LocalBucket(key, 0), 0), Pacer(LocalBucket(key, 0), 0)
    run(elsewhere.turn(deadline=time.time() + 60))  # nothing held: a turn at once
    here.hold(retry_after=5)
    elsewhere.hold_checked = 0  # its once-a-second look is due
    with pytest.raises(ThrottledError) as paused:
        run(elsewhere.turn(deadline=time.time() + 60))
    assert 4 < paused.value.retry_after <= 5


def test_lanes_sharing_a_rate_limit_start_no_closer_than_its_interval_less_the_tolerance():
    from reminders.sending import Pacer

    pacer = Pacer(LocalBucket(f"test:spacing:{time.monotonic_ns()}", 40), 40)
    starts = []

    async def lane():
        for _ in range(5):
            await pacer.turn(deadline=time.time() + 60)
            starts.append(time.monotonic())

    async def lanes():
        await asyncio.gather(*(lane() for _ in range(4)))

    run(lanes())
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    assert len(starts) == 20 and min(gaps) >= pacer.bucket.interval - SLOT_TOLERANCE


def test_a_rate_limit_state_far_ahead_is_taken_for_a_clock_that_jumped_back_not_for_a_hold(tmp_path):
    key = f"test:stale:{time.monotonic_ns()}"
    bucket = FileBucket(key, 0, tmp_path)
    bucket.path.write_text(f"{time.time() + 30 * 86400:.6f}")  # a month ahead: written before the clock went back
    assert bucket.reserve(0) == 0, "no hold"
