"""Metrics: what the processes observe (sends, requests, tasks), shared through Redis (store.py),
and what the database says at scrape time (collectors.py). Exposed at /metrics/ (views.py).

The reminder pipeline reports each hand-over of a message to a provider with
`observe_send(channel, provider, seconds, outcome)` (reminders/sending.py, `ChannelLanes.send_one`).
"""

from .definitions import HTTP_REQUEST_SECONDS, HTTP_REQUESTS, REMINDER_SEND_SECONDS, REMINDER_SENDS, TASK_SECONDS, TASKS
from .shared import Store

_store: dict[str, Store] = {}

SEND_OUTCOMES = ("sent", "retry", "failed", "error")


def store() -> Store:
    """The process's store, configured from settings (METRICS_REDIS_URL) the first time."""
    if "default" not in _store:
        from django.conf import settings

        _store["default"] = Store(redis_url=settings.METRICS_REDIS_URL or None, prefix=settings.METRICS_REDIS_PREFIX)
    return _store["default"]


def reset_store(new: Store | None = None) -> None:
    """Tests: start from an empty store (or the given one)."""
    _store.pop("default", None)
    if new is not None:
        _store["default"] = new


def observe_send(channel: str, provider: str, seconds: float, outcome: str) -> None:
    """One message handed to a provider: `outcome` is sent, retry, failed or error."""
    store().inc(REMINDER_SENDS, (channel, provider, outcome))
    store().observe(REMINDER_SEND_SECONDS, (channel, provider), seconds)


def observe_request(view: str, method: str, status: int, seconds: float) -> None:
    store().inc(HTTP_REQUESTS, (view, method, f"{status // 100}xx"))
    store().observe(HTTP_REQUEST_SECONDS, (view, method), seconds)


def observe_task(task: str, state: str, seconds: float | None) -> None:
    store().inc(TASKS, (task, state))
    if seconds is not None:
        store().observe(TASK_SECONDS, (task,), seconds)


def provider_name(sender) -> str:
    """'twilio', 'smtp', 'console', ...: the provider behind a channel's sender."""
    explicit = getattr(sender, "provider", None)
    if isinstance(explicit, str) and explicit:
        return explicit
    if type(sender).__name__ == "EmailSender":
        from django.conf import settings

        return settings.EMAIL_BACKEND.rsplit(".", 2)[-2] if "." in settings.EMAIL_BACKEND else settings.EMAIL_BACKEND
    return type(sender).__name__.removesuffix("Backend").removesuffix("Sender").lower() or "unknown"
