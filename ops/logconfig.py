"""The logging configuration, shared by Django (settings.LOGGING), Celery (setup_logging) and gunicorn."""


def logging_config(*, fmt: str = "text", level: str = "INFO") -> dict:
    """`fmt`: "json" (production) or "text". Everything goes to standard error, as containers expect."""
    formatter = "json" if fmt == "json" else "text"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": "ops.logcontext.ContextFilter"},
            "redact": {"()": "ops.logformat.RedactingFilter"},
        },
        "formatters": {
            "json": {"()": "ops.logformat.JsonFormatter"},
            "text": {"()": "ops.logformat.TextFormatter"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": formatter, "filters": ["context", "redact"]},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # SQL with its parameters (patient data) is never logged, whatever LOG_LEVEL says.
            "django.db.backends": {"level": "INFO"},
            # Requests are logged once, by ops.middleware.RequestLogMiddleware, without query strings.
            "django.server": {"level": "ERROR"},
            "gunicorn.access": {"level": "WARNING"},
        },
    }
