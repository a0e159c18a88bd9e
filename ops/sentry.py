"""Error reports to Sentry (sentry-sdk with its Django and Celery integrations) when SENTRY_DSN is set.

Patient data is kept out of every report before it leaves the process:
- no local variables of stack frames (they hold patients, contacts, message bodies), no request
  bodies, cookies, query strings or headers beyond a few harmless ones, no user but their id;
- exception messages, log messages and breadcrumbs pass through ops.redaction (emails, phone
  numbers, PostgreSQL's DETAIL with row values, the tokens of patients' links);
- SQL breadcrumbs keep the statement (placeholders), never its parameters.
"""

import logging

from .redaction import redact

SAFE_HEADERS = {"User-Agent", "Content-Type", "Content-Length", "Accept", "X-Request-Id", "X-Request-ID", "Host"}


def _scrub_request(request: dict) -> dict:
    return {
        "method": request.get("method"),
        "url": redact((request.get("url") or "").split("?", 1)[0]),
        "headers": {k: v for k, v in (request.get("headers") or {}).items() if k in SAFE_HEADERS},
    }


def _scrub_exception(exception: dict) -> None:
    for value in exception.get("values") or []:
        if value.get("value"):
            value["value"] = redact(value["value"])
        for frame in (value.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)


def _scrub_breadcrumb(crumb: dict) -> dict | None:
    if crumb.get("message"):
        crumb["message"] = redact(crumb["message"])
    data = crumb.get("data")
    if isinstance(data, dict):
        crumb["data"] = {k: v for k, v in data.items() if k in ("db.system", "db.operation", "status_code", "method")}
    return crumb


def scrub_event(event: dict, hint=None) -> dict:
    """before_send: what may leave the process of an error event (also used for transactions)."""
    if "request" in event:
        event["request"] = _scrub_request(event["request"])
    if "user" in event:
        event["user"] = {"id": event["user"].get("id")} if event["user"].get("id") else {}
    if "exception" in event:
        _scrub_exception(event["exception"])
    for thread in (event.get("threads") or {}).get("values") or []:
        for frame in (thread.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    logentry = event.get("logentry") or {}
    if logentry:
        message = logentry.get("formatted") or logentry.get("message") or ""
        params = logentry.get("params")
        if params and not logentry.get("formatted"):
            try:
                message = message % tuple(params) if isinstance(params, list) else message % params
            except (TypeError, ValueError):
                pass
        event["logentry"] = {"message": redact(message)}
    if event.get("message"):
        event["message"] = redact(event["message"]) if isinstance(event["message"], str) else event["message"]
    event.pop("extra", None)
    crumbs = event.get("breadcrumbs")
    if isinstance(crumbs, dict):
        crumbs["values"] = [c for c in (_scrub_breadcrumb(c) for c in crumbs.get("values") or []) if c]
    for span in event.get("spans") or []:
        span.pop("data", None)
        if span.get("description"):
            span["description"] = redact(span["description"])
    return event


def scrub_breadcrumb(crumb: dict, hint=None) -> dict | None:
    return _scrub_breadcrumb(crumb)


def init_sentry(*, dsn: str, environment: str, release: str | None = None, traces_sample_rate: float = 0.0,
                transport=None) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    options = {}
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration(),
                      LoggingIntegration(level=logging.INFO, event_level=logging.ERROR)],
        # send_default_pii stays at its default, off (no user names, IPs, cookies).
        include_local_variables=False,
        include_source_context=True,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
        **options,
    )
