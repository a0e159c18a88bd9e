"""Counters and histograms shared by every process of the deployment: web (gunicorn workers),
Celery workers, beat, in as many containers as there are.

Each process adds to a small in-memory buffer (no I/O on the request or send path). A background
thread of the process flushes the buffer every FLUSH_SECONDS into Redis hashes (HINCRBYFLOAT in one
pipeline); the web's /metrics/ reads them back at scrape time, so one scrape sees the whole
deployment. Without Redis (development on the embedded broker, tests) the buffer is the store and
/metrics/ shows what this process observed.

Totals live as long as Redis keeps them (counters restart from zero if Redis loses its data, which
Prometheus handles as a counter reset).
"""

import atexit
import json
import logging
import os
import threading
import time
from collections import defaultdict
from dataclasses import dataclass

logger = logging.getLogger(__name__)

#: How often a process pushes what it observed to Redis.
FLUSH_SECONDS = 5.0


@dataclass(frozen=True)
class Metric:
    name: str
    help: str
    labels: tuple[str, ...]
    buckets: tuple[float, ...] = ()  # a histogram if set, else a counter

    @property
    def is_histogram(self) -> bool:
        return bool(self.buckets)


def _label_key(values: tuple[str, ...]) -> str:
    return json.dumps(values, separators=(",", ":"))


class Store:
    """Per process: a buffer, flushed to Redis (if configured) by a daemon thread."""

    def __init__(self, redis_url: str | None = None, prefix: str = "clinic:metrics:"):
        self.redis_url = redis_url
        self.prefix = prefix
        self._lock = threading.Lock()
        self._pending: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self._client = None
        self._pid = None
        self._failed_at = 0.0

    # -- observing (hot path: memory only) ------------------------------------------------------

    def inc(self, metric: Metric, labels: tuple[str, ...], amount: float = 1.0) -> None:
        with self._lock:
            self._pending[metric.name][_label_key(labels)] += amount
        self._ensure_flusher()

    def observe(self, metric: Metric, labels: tuple[str, ...], value: float) -> None:
        key = _label_key(labels)
        with self._lock:
            fields = self._pending[metric.name]
            for bound in metric.buckets:
                if value <= bound:
                    fields[f"{key}|{bound}"] += 1
            fields[f"{key}|+Inf"] += 1
            fields[f"{key}|sum"] += value
        self._ensure_flusher()

    # -- sharing -----------------------------------------------------------------------------------

    @property
    def shared(self) -> bool:
        return bool(self.redis_url)

    def _redis(self):
        if self._client is None or self._pid != os.getpid():
            import redis

            self._client = redis.Redis.from_url(self.redis_url, socket_timeout=2, socket_connect_timeout=2)
            self._pid = os.getpid()
        return self._client

    def _ensure_flusher(self) -> None:
        """One flushing thread per process (a forked child starts its own)."""
        if not self.shared or getattr(self, "_flusher_pid", None) == os.getpid():
            return
        with self._lock:
            if getattr(self, "_flusher_pid", None) == os.getpid():
                return
            self._flusher_pid = os.getpid()
        thread = threading.Thread(target=self._flush_forever, name="metrics-flush", daemon=True)
        thread.start()
        atexit.register(self.flush)

    def _flush_forever(self) -> None:
        while True:
            time.sleep(FLUSH_SECONDS)
            self.flush()

    def flush(self) -> None:
        """Push the buffer to Redis; on failure keep it for the next try (never raises)."""
        if not self.shared:
            return
        with self._lock:
            pending, self._pending = self._pending, defaultdict(lambda: defaultdict(float))
        if not pending:
            return
        try:
            pipe = self._redis().pipeline(transaction=False)
            for name, fields in pending.items():
                for field, amount in fields.items():
                    pipe.hincrbyfloat(self.prefix + name, field, amount)
            pipe.execute()
        except Exception:
            with self._lock:  # put it back: counted on the next flush
                for name, fields in pending.items():
                    for field, amount in fields.items():
                        self._pending[name][field] += amount
            if time.monotonic() - self._failed_at > 60:
                self._failed_at = time.monotonic()
                logger.warning("could not push metrics to Redis; kept for the next try", exc_info=True)

    # -- reading (at scrape time) ------------------------------------------------------------------

    def read(self, metric: Metric) -> dict[str, float]:
        """field -> total for one metric (this process's buffer included)."""
        totals: dict[str, float] = defaultdict(float)
        if self.shared:
            self.flush()
            for field, value in self._redis().hgetall(self.prefix + metric.name).items():
                totals[field.decode()] += float(value)
        else:
            with self._lock:
                for field, value in self._pending.get(metric.name, {}).items():
                    totals[field] += value
        return totals

    def clear(self) -> None:
        """Tests only: forget everything."""
        with self._lock:
            self._pending.clear()
        if self.shared:
            self._redis().delete(*(self.prefix + name for name in _all_metric_names()))


def _all_metric_names() -> list[str]:
    from .definitions import ALL

    return [metric.name for metric in ALL]


def samples(store: Store, metric: Metric):
    """(labels, value) for a counter; (labels, [(bound, cumulative count)...], sum) for a histogram."""
    totals = store.read(metric)
    if not metric.is_histogram:
        for key, value in sorted(totals.items()):
            yield tuple(json.loads(key)), value
        return
    grouped: dict[str, dict[str, float]] = defaultdict(dict)
    for field, value in totals.items():
        key, _, part = field.rpartition("|")
        grouped[key][part] = value
    for key, parts in sorted(grouped.items()):
        buckets = [(str(bound), parts.get(str(bound), 0.0)) for bound in metric.buckets]
        buckets.append(("+Inf", parts.get("+Inf", 0.0)))
        yield tuple(json.loads(key)), buckets, parts.get("sum", 0.0)
