import pytest

from ops import metrics
from ops.metrics import collectors


@pytest.fixture(autouse=True)
def fresh_metrics(settings):
    """Each test counts from zero, in this process (no Redis unless a test asks for it)."""
    settings.METRICS_REDIS_URL = ""
    settings.METRICS_TOKEN = ""
    metrics.reset_store()
    collectors.clear_cache()
    yield
    metrics.reset_store()
    collectors.clear_cache()


@pytest.fixture
def swept():
    """Run the reminder sweep and the alert sweep once, as the worker would (their heartbeats are written)."""
    from alerts.tasks import alerts_sweep
    from reminders.tasks import reminders_send_due

    def sweep(reminders: bool = True, alerts: bool = True) -> None:
        if reminders:
            assert reminders_send_due.apply().successful()
        if alerts:
            assert alerts_sweep.apply().successful()
    return sweep


# The reminders' cast and backends: a clinic planning two months ahead, texts recorded in memory.
from tests.reminders.conftest import builtin_protocols, clinic, enroll, reminder_settings, texts  # noqa: E402, F401


@pytest.fixture(autouse=True)
def uncached_metrics(settings):
    settings.METRICS_DB_CACHE_SECONDS = 0  # tests travel in time; the cache counts real seconds


def parse_metrics(text: str) -> dict:
    """{(sample name, frozenset of labels): value}"""
    from prometheus_client.parser import text_string_to_metric_families

    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


@pytest.fixture
def scrape(client):
    def scrape(**headers) -> dict:
        response = client.get("/metrics/", **headers)
        assert response.status_code == 200, response.content
        return parse_metrics(response.content.decode())
    return scrape


def sample(samples: dict, name: str, **labels) -> float | None:
    return samples.get((name, frozenset(labels.items())))
