"""/health/ (is the service doing its job?) and /health/live/ (is this process up?).

/health/ answers 200 when every check passes, else 503 naming what failed:
- database: a query answers;
- broker: the Celery broker accepts a connection (and answers PING on Redis);
- migrations: none left to apply;
- reminders-sweep / alerts-sweep: the sweep succeeded recently (ops.heartbeats).
"""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils import timezone

from . import heartbeats

logger = logging.getLogger(__name__)

#: Once every migration is applied, the (slow) migration check is trusted for this long.
MIGRATIONS_OK_FOR_SECONDS = 300
_migrations_ok_at = {"at": None}


@dataclass(frozen=True)
class Result:
    name: str
    ok: bool
    detail: str = ""


def _problem(exc: Exception) -> str:
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first_line[:200]}".rstrip(": ")


def check_database() -> Result:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return Result("database", False, _problem(exc))
    return Result("database", True)


def check_broker() -> Result:
    from config.celery_app import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.HEALTH_BROKER_TIMEOUT_SECONDS)
            client = getattr(conn.default_channel, "client", None)
            if client is not None and hasattr(client, "ping"):
                client.ping()
    except Exception as exc:  # kombu and redis raise many kinds
        return Result("broker", False, _problem(exc))
    return Result("broker", True)


def check_migrations() -> Result:
    at = _migrations_ok_at["at"]
    if at is not None and time.monotonic() - at < MIGRATIONS_OK_FOR_SECONDS:
        return Result("migrations", True)
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return Result("migrations", False, _problem(exc))
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5])
        more = f" and {len(plan) - 5} more" if len(plan) > 5 else ""
        return Result("migrations", False, f"{len(plan)} not applied: {names}{more}")
    _migrations_ok_at["at"] = time.monotonic()
    return Result("migrations", True)


def check_sweeps() -> list[Result]:
    try:
        beats = heartbeats.heartbeats()
    except DatabaseError as exc:
        return [Result(s.heartbeat, False, _problem(exc)) for s in heartbeats.sweeps()]
    now = timezone.now()
    results = []
    for sweep in heartbeats.sweeps():
        problem = heartbeats.sweep_problem(sweep, beats, now)
        results.append(Result(sweep.heartbeat, problem is None, problem or ""))
    return results


def run_checks() -> list[Result]:
    database = check_database()
    results = [database, check_broker()]
    if database.ok:
        results += [check_migrations(), *check_sweeps()]
    else:
        results += [Result(name, False, "not checked: the database is unreachable")
                    for name in ("migrations", *(s.heartbeat for s in heartbeats.sweeps()))]
    return results


def health_view(request) -> JsonResponse:
    results = run_checks()
    failing = [r.name for r in results if not r.ok]
    body = {
        "status": "fail" if failing else "ok",
        "failing": failing,
        "checks": {r.name: {"ok": r.ok, **({"detail": r.detail} if r.detail else {})} for r in results},
    }
    if failing:
        logger.warning("health check failing: %s", "; ".join(f"{r.name}: {r.detail}" for r in results if not r.ok))
    response = JsonResponse(body, status=503 if failing else 200)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # logged above as a warning, not by Django as a server error
    return response


def live_view(request) -> JsonResponse:
    """The process is up and answering; nothing else is checked (no database, no broker)."""
    response = JsonResponse({"status": "ok"})
    response["Cache-Control"] = "no-store"
    return response
