"""A provider's rate limit, shared by every worker: sends are given slots at least 1/rate apart.

The state is one number per channel and account, the next free slot ("theoretical arrival time",
as in GCRA): a worker reserves n slots in one atomic step and sends each at its slot. Where the
state lives:

- Redis (`RedisBucket`): an atomic Lua script on Redis's own clock, so every worker on every host
  shares it. Used when REMINDERS_RATE_LIMIT_URL (default: the broker URL) is a redis:// URL.
- A file under VAR_DIR (`FileBucket`), locked with flock: the fallback for the embedded
  development transport, whose workers are all on one host by nature.
- Memory (`LocalBucket`): one process only (tests).

A provider's "slow down" (HTTP 429, SMTP 421) holds the bucket: no worker gets a slot before
the hold ends.
"""

import fcntl
import math
import os
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

#: Slots are spaced 1 / (rate x HEADROOM) apart, and a send may start at most SLOT_TOLERANCE
#: after its slot (a later one gives the slot up and takes another): together they leave room
#: for the provider's own delays, so that it never counts more than `rate` in one second.
HEADROOM = 0.9
SLOT_TOLERANCE = 0.02
#: A provider's hold lasts at most this long ...
HOLD_MAX = 600.0
#: ... and a state further ahead than this is stale (a clock that jumped back), not a queue:
#: reservations are only ever a few slots ahead.
STALE_AFTER = 3600.0

RESERVE_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval, n, hold = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat - now > tonumber(ARGV[4]) then tat = 0 end
local start = math.max(tat, now)
if hold > 0 then
  tat = math.max(tat, now + hold)
elseif n > 0 then
  tat = start + n * interval
else
  return string.format('%.6f', tat)
end
redis.call('SET', KEYS[1], string.format('%.6f', tat), 'PX', math.ceil((tat - now) * 1000) + 60000)
return string.format('%.6f', start)
"""


class Bucket:
    """Slots for sends: `reserve(n)` -> when the first of n slots, 1/rate apart, begins (epoch seconds
    on the store's clock: Redis's, or this host's)."""

    def __init__(self, key: str, per_second: float):
        self.key = key
        self.interval = 1.0 / (per_second * HEADROOM) if per_second > 0 else 0.0  # 0: carries holds only

    def reserve(self, n: int) -> float:
        """Reserve n slots (0: only look until when a hold lasts; a time past means none)."""
        return self._step(self.interval, n, 0.0)

    def hold(self, seconds: float) -> None:
        """Nobody sends before `seconds` from now (the provider asked us to slow down)."""
        self._step(self.interval, 0, min(max(seconds, 0.001), HOLD_MAX))

    def _step(self, interval: float, n: int, hold: float) -> float:
        raise NotImplementedError

    @staticmethod
    def _advance(tat: float, now: float, interval: float, n: int, hold: float) -> tuple[float, float]:
        """(new tat, when the first slot begins): the same arithmetic as RESERVE_SCRIPT."""
        if tat - now > STALE_AFTER:
            tat = 0.0
        start = max(tat, now)
        if hold > 0:
            return max(tat, now + hold), start
        if n > 0:
            return start + n * interval, start
        return tat, tat  # a look only: nothing reserved; until when a hold lasts (past: none)


class LocalBucket(Bucket):
    _state: dict[str, float] = {}
    _lock = threading.Lock()

    def _step(self, interval, n, hold):
        with self._lock:
            tat, start = self._advance(self._state.get(self.key, 0.0), time.time(), interval, n, hold)
            self._state[self.key] = tat
        return start


class FileBucket(Bucket):
    def __init__(self, key: str, per_second: float, folder: Path):
        super().__init__(key, per_second)
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / key.replace(":", "-").replace("/", "-")

    def _step(self, interval, n, hold):
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            raw = os.pread(fd, 64, 0).strip()
            try:
                tat = float(raw) if raw else 0.0
            except ValueError:
                tat = 0.0
            tat, start = self._advance(tat if math.isfinite(tat) else 0.0, time.time(), interval, n, hold)
            data = f"{tat:.6f}".encode().ljust(32)
            os.pwrite(fd, data, 0)
        finally:
            os.close(fd)
        return start


class RedisBucket(Bucket):
    _clients: dict[str, object] = {}

    def __init__(self, key: str, per_second: float, url: str):
        import redis

        super().__init__(key, per_second)
        if url not in self._clients:
            self._clients[url] = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2,
                                                      health_check_interval=30)
        self.client = self._clients[url]
        self.script = self.client.register_script(RESERVE_SCRIPT)

    def _step(self, interval, n, hold):
        return float(self.script(keys=[self.key], args=[f"{interval:.9f}", n, f"{hold:.6f}", STALE_AFTER]))


def store_url() -> str:
    return getattr(settings, "REMINDERS_RATE_LIMIT_URL", "") or settings.CELERY_BROKER_URL


def bucket_for(channel: str, account: str, per_second: float) -> Bucket:
    """The shared bucket of a channel's account (e.g. a Twilio account SID, an SMTP relay)."""
    key = f"reminders:rate:{channel}:{account or 'default'}"
    url = store_url()
    scheme = urlsplit(url).scheme
    if scheme in ("redis", "rediss", "unix"):
        return RedisBucket(key, per_second, url)
    if url == "memory://":
        return LocalBucket(key, per_second)
    return FileBucket(key, per_second, Path(settings.VAR_DIR) / "rate-limits")
