"""GET /metrics/: Prometheus text format, for a scraper holding METRICS_TOKEN (Bearer)."""

import hmac

from django.conf import settings
from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from . import store
from .collectors import DatabaseCollector, HealthCollector, SharedCollector


def metrics_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return not settings.PRODUCTION  # development: open; production: off until a token is set
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def metrics_view(request) -> HttpResponse:
    if not metrics_allowed(request):
        response = HttpResponse("metrics need 'Authorization: Bearer <METRICS_TOKEN>'\n", status=401,
                                content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SharedCollector(store()))
    registry.register(DatabaseCollector())
    registry.register(HealthCollector())
    response = HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
