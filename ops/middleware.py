"""Request handling for operations.

- OpsEndpointsMiddleware (first in MIDDLEWARE) answers /health/, /health/live/ and /metrics/ before
  anything else: no host check (probes call the container by its address), no HTTPS redirect, no
  session; /metrics/ checks its own token.
- RequestLogMiddleware gives each request an id (the proxy's X-Request-ID if it sent one), makes it
  and the user's clinic part of every log line, logs one line per request (method, the URL's route
  pattern, never the query string or the tokens in patients' links, status, duration) and
  observes the request's latency by view.
"""

import logging
import re
import time

from . import logcontext
from .health import health_view, live_view
from .metrics import observe_request
from .metrics.views import metrics_view

logger = logging.getLogger("ops.requests")

_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")

ENDPOINTS = {"/health/": health_view, "/health/live/": live_view, "/metrics/": metrics_view}


class OpsEndpointsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = ENDPOINTS.get(request.path_info)
        if view is not None and request.method in ("GET", "HEAD"):
            return view(request)
        return self.get_response(request)


def _view_name(request) -> tuple[str, str]:
    """The view's name and its URL pattern ("patients/<pk>/"): never the path itself, which may hold tokens."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unmatched>", ""
    route = _REGEX_GROUP.sub(r"<\1>", match.route or "").replace("^", "").replace("$", "")
    return match.view_name or match._func_path, route


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = logcontext.new_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        tokens = logcontext.bind_request(request, request_id)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = request_id
            return response
        finally:
            seconds = time.perf_counter() - started
            view, route = _view_name(request)
            observe_request(view, request.method, status, seconds)
            level = logging.WARNING if status >= 500 else logging.INFO
            logger.log(level, "%s %s %s %.0f ms", request.method, f"/{route}" if route else "<unmatched>", status,
                       seconds * 1000, extra={"view": view, "status": status, "duration_ms": round(seconds * 1000, 1)})
            logcontext.unbind_request(tokens)
