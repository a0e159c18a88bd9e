"""Metric families for one scrape: the shared counters and histograms (store.py), what the database
says now (reminders by status and channel, the sweep's lag, open alerts, heartbeat ages) and the
health checks' verdicts."""

import logging
import time

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from . import shared
from .definitions import ALL

logger = logging.getLogger(__name__)

_cache: dict[str, tuple[float, object]] = {}


def _cached(key: str, compute):
    """Counting every reminder is not free on a large table: done at most every METRICS_DB_CACHE_SECONDS."""
    now = time.monotonic()
    hit = _cache.get(key)
    if hit and now - hit[0] < settings.METRICS_DB_CACHE_SECONDS:
        return hit[1]
    value = compute()
    _cache[key] = (now, value)
    return value


def clear_cache() -> None:
    _cache.clear()


class SharedCollector:
    """What the processes observed (sends, requests, tasks), summed across the deployment."""

    def __init__(self, store):
        self.store = store

    def collect(self):
        try:
            families = list(self._families())
        except Exception:  # Redis away: the database's metrics still answer, and say it
            logger.warning("could not read the shared metrics", exc_info=True)
            families = []
        yield GaugeMetricFamily("clinic_metrics_shared_up", "1 if the processes' shared counters could be read",
                                value=1.0 if families else 0.0)
        yield from families

    def _families(self):
        for metric in ALL:
            name = metric.name.removesuffix("_total")
            if metric.is_histogram:
                family = HistogramMetricFamily(name, metric.help, labels=metric.labels)
                for labels, buckets, total in shared.samples(self.store, metric):
                    family.add_metric(list(labels), buckets, total)
            else:
                family = CounterMetricFamily(name, metric.help, labels=metric.labels)
                for labels, value in shared.samples(self.store, metric):
                    family.add_metric(list(labels), value)
            yield family


def reminder_counts() -> list[tuple[str, str, int]]:
    from reminders.models import Reminder

    return [(row["status"], row["channel"], row["n"]) for row in
            Reminder.objects.order_by().values("status", "channel").annotate(n=Count("id"))]


def oldest_due_age_seconds(now) -> float:
    """How long the most overdue unsent reminder has been due (0 if none): the sweep's lag.

    Uses the partial index the sweep itself claims with (next_attempt_at of pending and sending rows).
    """
    from reminders.models import LIVE_STATUSES, Reminder

    oldest = Reminder.objects.filter(status__in=LIVE_STATUSES, next_attempt_at__lte=now).aggregate(
        oldest=Min("next_attempt_at"))["oldest"]
    return max((now - oldest).total_seconds(), 0.0) if oldest else 0.0


def open_alert_counts() -> list[tuple[str, int]]:
    from alerts.models import Alert, AlertStatus

    return [(row["code"], row["n"]) for row in
            Alert.objects.filter(status=AlertStatus.OPEN).order_by().values("code").annotate(n=Count("id"))]


class DatabaseCollector:
    def collect(self):
        from ops import heartbeats

        now = timezone.now()
        by_status = GaugeMetricFamily("clinic_reminders", "Reminders by status and channel",
                                      labels=("status", "channel"))
        for status, channel, n in _cached("reminders", reminder_counts):
            by_status.add_metric([status, channel], n)
        yield by_status
        yield GaugeMetricFamily(
            "clinic_reminders_oldest_due_seconds",
            "Age of the oldest reminder that is due and not sent (the reminder sweep's lag)",
            value=oldest_due_age_seconds(now))
        alerts = GaugeMetricFamily("clinic_alerts_open", "Open clinical alerts by code", labels=("code",))
        for code, n in _cached("alerts", open_alert_counts):
            alerts.add_metric([code], n)
        yield alerts
        ages = GaugeMetricFamily("clinic_heartbeat_age_seconds",
                                 "Seconds since each heartbeat (sweeps' last success, beat's start)",
                                 labels=("heartbeat",))
        for name, at in sorted(heartbeats.heartbeats().items()):
            ages.add_metric([name], max((now - at).total_seconds(), 0.0))
        yield ages


class HealthCollector:
    """The verdict of each /health/ check: 1 passing, 0 failing."""

    def collect(self):
        from ops.health import run_checks

        family = GaugeMetricFamily("clinic_health_check", "Health checks of /health/ (1 passing, 0 failing)",
                                   labels=("check",))
        for result in run_checks():
            family.add_metric([result.name], 1.0 if result.ok else 0.0)
        yield family
