"""Log line formats: JSON in production (one object a line), readable text in development.

Every line carries time, level, logger, message and, when known, request_id, task_id, task_name and
clinic_id (ops.logcontext). Messages and tracebacks pass through ops.redaction. Nothing here needs
Django set up (gunicorn's master process uses it too).
"""

import logging
from datetime import UTC, datetime

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from .redaction import redact

CONTEXT_FIELDS = ("request_id", "task_id", "task_name", "clinic_id")


class RedactingFilter(logging.Filter):
    """Renders the message once, scrubbed (so no argument of a log call escapes unscrubbed)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken log call still logs something
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        return True


class _RedactTracebacks:
    def formatException(self, ei) -> str:  # noqa: N802 (logging's name)
        return redact(super().formatException(ei))

    def formatStack(self, stack_info) -> str:  # noqa: N802
        return redact(super().formatStack(stack_info))


class JsonFormatter(_RedactTracebacks, _JsonFormatter):
    """{"time": ..., "level": ..., "logger": ..., "message": ..., "request_id": ..., ...}"""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        super().__init__("%(levelname)s %(name)s %(message)s", *args, **kwargs)

    def add_fields(self, log_record: dict, record: logging.LogRecord, message_dict: dict) -> None:
        super().add_fields(log_record, record, message_dict)
        log_record["time"] = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        for field in CONTEXT_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                log_record[field] = value
            else:
                log_record.pop(field, None)


class TextFormatter(_RedactTracebacks, logging.Formatter):
    """2026-01-05 10:30:00,123 INFO reminders.tasks [request=… clinic=3] message"""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s%(context)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        parts = [f"{field.removesuffix('_id')}={getattr(record, field)}" for field in CONTEXT_FIELDS
                 if field != "task_name" and getattr(record, field, None) is not None]
        record.context = f" [{' '.join(parts)}]" if parts else ""
        return super().format(record)
