"""Many sends in flight at once: an asyncio event loop in a thread of its own, fed by the sweep.

The sweep's thread does all the database work (claims, verdicts, wording, outcomes); this loop
only sends. Per channel it runs REMINDERS_<CHANNEL>_CONCURRENCY lanes, each sending one message
at a time:

- an async sender (Twilio over httpx, SMTP over aiosmtplib) serves the lanes without threads;
- any other backend (console, file, the Django email backends, a dotted path) gets one thread
  per lane, each with a sender object of its own, so the Sender API keeps working unchanged.

Each lane takes a slot from the channel's rate limit (reminders/ratelimit.py) before it sends,
checks that the row's lease still has time, and reports what happened on `results`, a plain
thread-safe queue the sweep reads. `send_one` is the single place where a message is sent.
"""

import asyncio
import logging
import queue
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings

from ops.metrics import observe_send, provider_name

from .channels import Message, PermanentError, Sender, ThrottledError, TransientError, sender_for
from .channels.base import AsyncSender
from .channels.sms import sms_max_per_second
from .models import Channel
from .ratelimit import SLOT_TOLERANCE, Bucket, bucket_for

logger = logging.getLogger(__name__)

#: After this many transient failures in a row on one channel the provider is taken to be down:
#: the lanes stop trying and hand their messages back for a retry with backoff.
CHANNEL_DOWN_AFTER = 5
#: A "slow down" without Retry-After pauses the channel this long, doubling while it lasts ...
THROTTLE_PAUSE = 2.0
#: ... up to this.
THROTTLE_PAUSE_MAX = 60.0
#: Rate-limit slots are reserved this many seconds' worth at a time (fewer round trips).
SLOT_BATCH_SECONDS = 0.25
#: A channel without a rate limit looks this often whether another worker was told to slow down.
HOLD_CHECK_EVERY = 1.0


@dataclass(slots=True)
class Job:
    row_id: int
    message: Message
    #: wall-clock seconds: a lane that has not started sending by then gives the row back
    deadline: float


@dataclass(slots=True)
class Result:
    job: Job
    #: sent, transient, permanent, throttled (back without an attempt), released (lease ran out)
    outcome: str
    provider_ref: str = ""
    error: Exception | None = None
    retry_after: float = 0.0
    seconds: float = 0.0
    at: float = field(default_factory=time.time)
    #: How long the provider took to answer (a monotonic clock); None when it was not asked.
    latency: float | None = None


#: A send's outcome as the metrics name it (ops.metrics.SEND_OUTCOMES).
SEND_METRIC_OUTCOMES = {"sent": "sent", "transient": "retry", "throttled": "retry", "permanent": "failed"}


def channel_concurrency(channel: str) -> int:
    name = "REMINDERS_SMS_CONCURRENCY" if channel == Channel.SMS else "REMINDERS_EMAIL_CONCURRENCY"
    return max(1, int(getattr(settings, name, 1)))


def channel_rate(channel: str) -> tuple[float, str]:
    """(sends per second allowed by the provider account, 0 = unlimited; the account's name)."""
    if channel == Channel.SMS:
        account = f"{settings.REMINDERS_SMS_BACKEND}:{settings.TWILIO_ACCOUNT_SID}"
        return sms_max_per_second(), account
    return float(settings.EMAIL_MAX_PER_SECOND or 0), f"{settings.EMAIL_BACKEND}:{settings.EMAIL_HOST}"


def async_sender_for(channel: str, concurrency: int) -> AsyncSender | None:
    """The channel's non-blocking sender, or None when its backend only blocks."""
    if channel == Channel.EMAIL:
        from .channels.smtp import AsyncSmtpSender, uses_smtp

        return AsyncSmtpSender() if uses_smtp() else None
    backend = sender_for(channel)
    factory = getattr(backend, "async_sender", None)
    return factory(concurrency) if factory is not None else None


class Pacer:
    """Hands out the rate limit's slots in order; holds the channel when the provider says so.

    Without a rate limit (`per_second` 0) the bucket only carries holds: it is looked at once a
    second, so that a provider's "slow down" seen by one worker pauses the others too.
    """

    def __init__(self, bucket: Bucket, per_second: float):
        self.bucket = bucket
        self.limited = per_second > 0
        self.slots: deque[float] = deque()
        self.lock = asyncio.Lock()
        self.paused_until = 0.0
        self.pause = THROTTLE_PAUSE
        self.hold_checked = 0.0

    def _check_pause(self) -> None:
        now = time.time()
        if not self.limited and now - self.hold_checked >= HOLD_CHECK_EVERY:
            self.hold_checked = now
            try:
                held_until = self.bucket.reserve(0)  # no slot taken: until when another worker's hold lasts
            except Exception:  # the store is away; with no rate limit there is nothing to protect
                held_until = 0.0
            if held_until > now:
                self.paused_until = max(self.paused_until, held_until)
        if self.paused_until > now:
            raise ThrottledError("the channel is paused by the provider", retry_after=self.paused_until - now)

    async def turn(self, deadline: float) -> None:
        """Wait for the next slot; ThrottledError when the channel is paused or has no slot in time.

        Lanes take their turn one at a time. A send starts at its slot or at most SLOT_TOLERANCE
        after it; a lane that comes to its slot later (a busy machine) gives the slot up and takes
        the next, so late sends never bunch up with other workers' slots.
        """
        self._check_pause()
        if not self.limited:
            return
        async with self.lock:
            while True:
                self._check_pause()  # a lane that waited for the lock may have waited through a "slow down"
                now = time.time()
                while self.slots and self.slots[0] + SLOT_TOLERANCE < now:
                    self.slots.popleft()  # slots gone by unused: given up
                if not self.slots:
                    n = max(1, round(SLOT_BATCH_SECONDS / self.bucket.interval))
                    try:
                        first = self.bucket.reserve(n)
                    except Exception as exc:  # the shared store is away: never send without a slot
                        logger.warning("rate limit store unreachable: %s", exc)
                        raise ThrottledError(f"rate limit store unreachable: {exc}", retry_after=2.0) from exc
                    self.slots.extend(first + i * self.bucket.interval for i in range(n))
                    continue
                slot = self.slots.popleft()
                if slot > deadline:
                    raise ThrottledError("no rate-limit slot before the lease ends",
                                         retry_after=max(0.0, slot - time.time()))
                delay = slot - time.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                if time.time() <= slot + SLOT_TOLERANCE:
                    return

    def hold(self, retry_after: float | None) -> float:
        """The provider said slow down: pause this channel (here and, through the bucket, everywhere)."""
        seconds = retry_after if retry_after else self.pause
        self.pause = min(self.pause * 2, THROTTLE_PAUSE_MAX) if not retry_after else THROTTLE_PAUSE
        self.paused_until = max(self.paused_until, time.time() + seconds)
        self.slots.clear()
        try:
            self.bucket.hold(seconds)
        except Exception:
            logger.warning("could not share a provider's slow-down through the rate limit store", exc_info=True)
        return seconds

    def recovered(self) -> None:
        self.pause = THROTTLE_PAUSE


class ChannelLanes:
    """The lanes of one channel, fed from one queue."""

    def __init__(self, loop: "SendingLoop", channel: str):
        self.loop = loop
        self.channel = channel
        self.concurrency = channel_concurrency(channel)
        per_second, account = channel_rate(channel)
        self.pacer = Pacer(bucket_for(channel, account, per_second), per_second)
        self.queue: asyncio.Queue[Job | None] = asyncio.Queue()
        self.failures_in_a_row = 0
        self.down = ""
        self.sending = self.peak_sending = 0  # messages with the provider right now, and at most
        self.async_sender = async_sender_for(channel, self.concurrency)
        #: What the metrics call the provider behind this channel ('twilio', 'smtp', 'console', ...).
        self.provider = provider_name(self.async_sender or sender_for(channel))
        self.executor = None
        if self.async_sender is None:
            self.executor = ThreadPoolExecutor(self.concurrency, thread_name_prefix=f"send-{channel}")
        self.tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        if self.async_sender is not None:
            await self.async_sender.open()
        self.tasks = [asyncio.create_task(self.lane()) for _ in range(self.concurrency)]

    async def stop(self) -> None:
        for _ in self.tasks:
            self.queue.put_nowait(None)
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.async_sender is not None:
            await self.async_sender.close()
        if self.executor is not None:
            self.executor.shutdown(wait=True)

    async def lane(self) -> None:
        sender, blocking, broken = None, None, None
        try:
            if self.async_sender is not None:
                sender = self.async_sender.lane()
            else:
                blocking = await asyncio.get_running_loop().run_in_executor(self.executor, self._open_blocking)
        except Exception as exc:  # e.g. a backend that is not configured: every message is retried later
            logger.exception("the %s channel could not be opened", self.channel)
            broken = TransientError(f"the {self.channel} channel could not be opened: {type(exc).__name__}: {exc}")
        try:
            while (job := await self.queue.get()) is not None:
                if broken is not None:
                    self.loop.report(Result(job, "transient", error=broken))
                else:
                    self.loop.report(await self.send_one(job, sender, blocking))
        finally:
            if sender is not None and sender is not self.async_sender:
                await sender.close()
            if blocking is not None:
                await asyncio.get_running_loop().run_in_executor(self.executor, blocking.close)

    def _open_blocking(self) -> Sender:
        sender = sender_for(self.channel)
        sender.open()
        return sender

    async def send_one(self, job: Job, sender: AsyncSender | None, blocking: Sender | None) -> Result:
        """Send one message: the one place every send goes through (and is counted, with its latency)."""
        result = await self._send(job, sender, blocking)
        if result.latency is not None:
            observe_send(self.channel, self.provider, result.latency, SEND_METRIC_OUTCOMES[result.outcome])
        return result

    async def _send(self, job: Job, sender: AsyncSender | None, blocking: Sender | None) -> Result:
        if self.down:
            return Result(job, "transient", error=TransientError(
                f"not tried, the {self.channel} provider is failing: {self.down}"))
        try:
            await self.pacer.turn(job.deadline)
        except ThrottledError as exc:
            return Result(job, "throttled", error=exc, retry_after=exc.retry_after or 0.0)
        started = time.time()
        if started >= job.deadline:
            return Result(job, "released")
        self.sending += 1
        self.peak_sending = max(self.peak_sending, self.sending)
        asked = time.perf_counter()
        try:
            if sender is not None:
                ref = await sender.send(job.message)
            else:
                ref = await asyncio.get_running_loop().run_in_executor(self.executor, blocking.send, job.message)
        except ThrottledError as exc:
            seconds = self.pacer.hold(exc.retry_after)
            return Result(job, "throttled", error=exc, retry_after=seconds, seconds=time.time() - started, latency=time.perf_counter() - asked)
        except TransientError as exc:
            self.failures_in_a_row += 1
            if self.failures_in_a_row >= CHANNEL_DOWN_AFTER and not self.down:
                self.down = str(exc)[:200]
            return Result(job, "transient", error=exc, seconds=time.time() - started, latency=time.perf_counter() - asked)
        except PermanentError as exc:
            self.failures_in_a_row = 0
            return Result(job, "permanent", error=exc, seconds=time.time() - started, latency=time.perf_counter() - asked)
        except Exception as exc:  # a bug must not stop the lane; the row is retried, then failed
            logger.exception("reminder %s could not be sent", job.row_id)
            return Result(job, "transient", error=TransientError(f"{type(exc).__name__}: {exc}"),
                          seconds=time.time() - started, latency=time.perf_counter() - asked)
        finally:
            self.sending -= 1
        self.failures_in_a_row = 0
        self.pacer.recovered()
        return Result(job, "sent", provider_ref=ref or "", seconds=time.time() - started, latency=time.perf_counter() - asked)


class SendingLoop:
    """The event loop thread. `submit` and `results` are safe to use from the sweep's thread."""

    def __init__(self):
        self.results: queue.Queue[Result] = queue.Queue()
        self.loop = asyncio.new_event_loop()
        self.channels: dict[str, ChannelLanes] = {}
        self.thread = threading.Thread(target=self._run, name="reminders-sending", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def peak_in_flight(self) -> int:
        """The most messages that were with the providers at once (summed over channels)."""
        return sum(lanes.peak_sending for lanes in self.channels.values())

    def paused(self) -> bool:
        """Whether a provider asked to slow down and its pause is not over."""
        now = time.time()
        return any(lanes.pacer.paused_until > now for lanes in list(self.channels.values()))

    def report(self, result: Result) -> None:
        self.results.put(result)

    def submit(self, jobs: list[Job]) -> None:
        """Queue jobs for sending (from the sweep's thread); never blocks."""
        if jobs:
            asyncio.run_coroutine_threadsafe(self._enqueue(jobs), self.loop).result()

    async def _enqueue(self, jobs: list[Job]) -> None:
        for job in jobs:
            channel = job.message.channel
            if channel not in self.channels:
                try:
                    lanes = ChannelLanes(self, channel)
                    await lanes.start()
                except Exception as exc:
                    logger.exception("the %s channel could not be opened", channel)
                    self.report(Result(job, "transient", error=TransientError(
                        f"the {channel} channel could not be opened: {type(exc).__name__}: {exc}")))
                    continue
                self.channels[channel] = lanes
            self.channels[channel].queue.put_nowait(job)

    def close(self, *, abandon: bool = False) -> None:
        """Close every connection and stop the thread. The lanes first finish what they hold or,
        with `abandon`, drop it unsent (those rows stay claimed until their lease runs out)."""
        async def stop_all():
            if abandon:
                for lanes in self.channels.values():
                    while not lanes.queue.empty():
                        lanes.queue.get_nowait()
            await asyncio.gather(*(lanes.stop() for lanes in self.channels.values()), return_exceptions=True)

        try:
            asyncio.run_coroutine_threadsafe(stop_all(), self.loop).result()
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(30)
            if not self.thread.is_alive():
                self.loop.close()
