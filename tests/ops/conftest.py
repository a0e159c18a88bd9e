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
