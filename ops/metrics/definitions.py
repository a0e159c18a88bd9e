"""The metrics the processes observe (the database-derived ones are in collectors.py)."""

from .shared import Metric

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REMINDER_SENDS = Metric(
    "clinic_reminder_sends_total",
    "Messages handed to a channel's provider, by outcome (sent, retry: a transient failure, "
    "failed: refused for good, error: a bug)",
    ("channel", "provider", "outcome"))
REMINDER_SEND_SECONDS = Metric(
    "clinic_reminder_send_seconds", "Time the provider took to accept (or refuse) one message",
    ("channel", "provider"), LATENCY_BUCKETS)
HTTP_REQUESTS = Metric(
    "clinic_http_requests_total", "HTTP requests answered, by view, method and status class",
    ("view", "method", "status"))
HTTP_REQUEST_SECONDS = Metric(
    "clinic_http_request_seconds", "Time to answer an HTTP request, by view", ("view", "method"), LATENCY_BUCKETS)
TASKS = Metric("clinic_celery_tasks_total", "Celery tasks finished, by task and state", ("task", "state"))
TASK_SECONDS = Metric(
    "clinic_celery_task_seconds", "Time a Celery task ran, by task", ("task",),
    (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 300.0))

ALL = (REMINDER_SENDS, REMINDER_SEND_SECONDS, HTTP_REQUESTS, HTTP_REQUEST_SECONDS, TASKS, TASK_SECONDS)
