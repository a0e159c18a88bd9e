#!/usr/bin/env python
"""Benchmark the reminders sweep: many oral-iron reminders due in the same minute, one worker.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reminders \\
        .venv/bin/python scripts/bench_reminders.py [--due 100000] [--pending 10000,1000000]

For each number of pending (future) reminders it builds a fresh plan in the bench database:
`--due` patients each with an oral-iron dose and its reminder due at the start of the next
minute, and `--pending` reminders due on later days. It then starts one real worker
(`celery -A config worker`, default concurrency) with a no-op SMS channel, fires the sweep
at the due minute as the beat would (and again every minute until the work is done), and
reports:

- how long after they fell due the last reminder was sent, and reminders sent per second;
- the worker's peak memory (resident set of the worker and its pool processes);
- a raw-SQL baseline: the same rows marked sent by one UPDATE, and the worker/baseline ratio.

The database must be a separate one whose name starts with "bench" (it is emptied); it is
created if missing. The broker is CELERY_BROKER_URL if set, else a fresh embedded filesystem
transport folder.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_reminders"
#: How long after the due minute the target says every reminder must be sent.
TARGET_SECONDS = 60
#: Memory is sampled this often while the worker sends ...
SAMPLE_EVERY = 0.05
#: ... and the database asked whether anything is still due this often.
CHECK_EVERY = 0.5


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--due", type=int, default=100_000, help="reminders due in the same minute")
    parser.add_argument("--pending", default="10000,1000000",
                        help="comma-separated numbers of future reminders, one run each")
    parser.add_argument("--concurrency", type=int, default=None, help="worker pool size (default: CPU count)")
    return parser.parse_args()


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("bench"):
        sys.exit(f"refusing to use database {name!r}: the bench empties it; use a name starting with 'bench'")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str, broker_dir: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("CELERY_BROKER_FOLDER", broker_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def insert_select(cursor, model, values: dict[str, str], source: str, params: dict) -> None:
    """INSERT INTO model's table (columns...) SELECT values... FROM source.

    `values` maps columns to SQL expressions; every other column gets its field's default, so
    that the bench keeps working when a model gains a field.
    """
    from django.db.models import NOT_PROVIDED

    columns, expressions = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        column = field.column
        if column in values:
            expression = values[column]
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            expression = "now()"
        elif field.default is not NOT_PROVIDED:
            key = f"default_{column}"
            params[key] = field.get_db_prep_save(field.get_default(), cursor.db)
            expression = f"%({key})s"
        elif field.null:
            expression = "NULL"
        else:
            expression = "''"
        columns.append(column)
        expressions.append(expression)
    cursor.execute(f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
                   f"SELECT {', '.join(expressions)} FROM {source}", params)


def build_plan(due: int, pending: int, due_at: datetime) -> None:
    """Patients, enrollments, events and reminders in bulk with SQL (signals do not fire)."""
    from django.db import connection

    from clinics.models import Clinic, User
    from patients.models import Enrollment, Patient, ScheduledEvent
    from patients.services.enrollments import resolve_protocol
    from reminders.models import Reminder

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE reminders_reminder, patients_scheduledevent, patients_enrollment, patients_patient, "
                       "reminders_patientreminderpreferences, reminders_optout CASCADE")
    clinic, _ = Clinic.objects.get_or_create(slug="bench", defaults={"name": "Bench Clinic", "timezone": "UTC"})
    user, _ = User.objects.get_or_create(username="bench-clinician", defaults={"clinic": clinic, "role": "clinician"})
    version = resolve_protocol(clinic, "iron-oral-daily")
    days_ahead = max(1, -(-pending // due))  # future doses per patient
    params = {"clinic": clinic.pk, "user": user.pk, "version": version.pk, "due": due, "at": due_at,
              "days": days_ahead, "future_patients": min(due, pending), "pending": pending}
    day = "(%(at)s + (k - 1) * interval '1 day')"
    with connection.cursor() as cursor:
        insert_select(cursor, Patient, {
            "clinic_id": "%(clinic)s", "mrn": "'B' || g", "given_name": "'Bench'", "family_name": "'Patient ' || g",
            "date_of_birth": "'1970-01-01'", "sex": "'female'", "timezone": "'UTC'",
            "email": "'b' || g || '@example.org'", "phone": "'+4477' || lpad(g::text, 8, '0')",
            "preferred_dose_time": "%(at)s::time",
        }, "generate_series(1, %(due)s) g", params)
        insert_select(cursor, Enrollment, {
            "clinic_id": "clinic_id", "patient_id": "id", "protocol_version_id": "%(version)s",
            "start_date": "%(at)s::date", "created_by_id": "%(user)s",
        }, "patients_patient WHERE clinic_id = %(clinic)s", params)
        # today's dose for every patient, and `days` later doses for the first `future_patients`
        insert_select(cursor, ScheduledEvent, {
            "clinic_id": "e.clinic_id", "enrollment_id": "e.id", "patient_id": "e.patient_id",
            "key": "'treatment#' || k", "kind": "'dose'", "code": "'ferrous-sulfate'", "phase": "'treatment'",
            "arm": "'iron'", "sequence": "k", "due_date": f"{day}::date", "due_at": day,
            "window_start": f"{day}::date", "window_end": f"{day}::date", "setting": "'home'", "dose_mg": "200",
            "route": "'oral'",
        }, """patients_enrollment e CROSS JOIN generate_series(1, 1 + %(days)s) k
              WHERE e.clinic_id = %(clinic)s AND (k = 1 OR e.patient_id IN (
                  SELECT id FROM patients_patient WHERE clinic_id = %(clinic)s ORDER BY id LIMIT %(future_patients)s))""",
            params)
        insert_select(cursor, Reminder, {
            "clinic_id": "clinic_id", "kind": "'dose'", "channel": "'sms'", "patient_id": "patient_id",
            "event_id": "id", "about_date": "due_date", "key": "'event:' || id || ':dose:sms:' || due_date",
            "send_at": "due_at", "next_attempt_at": "due_at", "recipient_id": "NULL", "alert_id": "NULL",
        }, """(SELECT * FROM patients_scheduledevent WHERE clinic_id = %(clinic)s
               ORDER BY sequence, id LIMIT %(due)s + %(pending)s) planned""", params)
        for table in ("patients_patient", "patients_enrollment", "patients_scheduledevent", "reminders_reminder"):
            cursor.execute(f"ANALYZE {table}")


def still_due(due_at: datetime) -> bool:
    """Whether any reminder due by `due_at` is still unsent (an index-only look, cheap to repeat)."""
    from reminders.models import LIVE_STATUSES, Reminder

    return Reminder.objects.filter(status__in=LIVE_STATUSES, next_attempt_at__lte=due_at).exists()


def pool_rss_kib(root_pid: int) -> tuple[int, int]:
    """(current summed RSS, the largest peak RSS of one process) of the worker and its children, in KiB."""
    pids = [root_pid]
    try:
        children = Path(f"/proc/{root_pid}/task/{root_pid}/children").read_text().split()
        pids += [int(pid) for pid in children]
    except OSError:
        pass
    total = peak = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        total += int(fields.get("VmRSS", "0 kB").split()[0])
        peak = max(peak, int(fields.get("VmHWM", "0 kB").split()[0]))
    return total, peak


def run(args, pending: int, broker_dir: str) -> dict:
    from django.db import connection

    from reminders.tasks import reminders_send_due

    print(f"\n== {args.due:,} reminders due in the same minute, {pending:,} pending later", flush=True)
    started = time.monotonic()
    # the due minute: the start of the first whole minute at least 20 s after the plan is built
    estimate = datetime.now(UTC) + timedelta(seconds=20 + (args.due + pending) / 40_000)
    due_at = (estimate + timedelta(minutes=1)).replace(second=0, microsecond=0)
    build_plan(args.due, pending, due_at)
    print(f"built the plan in {time.monotonic() - started:.1f} s; due at {due_at:%H:%M:%S} UTC", flush=True)

    env = {**os.environ, "SMS_BACKEND": "null", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=WARNING", "--without-gossip",
               "--without-mingle", "--without-heartbeat", "-n", f"bench-{os.getpid()}@%h"]
    if args.concurrency:
        command.append(f"--concurrency={args.concurrency}")
    log = open(Path(broker_dir) / f"worker-{pending}.log", "wb")  # noqa: SIM115
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        time.sleep(4)  # let the pool start
        idle_rss, _ = pool_rss_kib(worker.pid)
        while datetime.now(UTC) < due_at:
            time.sleep(0.01)
        fired = [time.monotonic()]
        reminders_send_due.delay()  # the beat's tick at the due minute
        peak_total, checked = 0, 0.0
        while True:
            total, _ = pool_rss_kib(worker.pid)
            peak_total = max(peak_total, total)
            now = time.monotonic()
            if now - checked >= CHECK_EVERY:
                checked = now
                if not still_due(due_at):
                    break
            if now - fired[-1] >= 60:  # the next beat tick
                reminders_send_due.delay()
                fired.append(now)
            if now - fired[0] > 600:
                raise SystemExit("gave up after 10 minutes")
            time.sleep(SAMPLE_EVERY)
        _, peak_process = pool_rss_kib(worker.pid)
    finally:
        worker.terminate()
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()

    with connection.cursor() as cursor:
        cursor.execute("SELECT min(sent_at), max(sent_at) FROM reminders_reminder WHERE send_at = %s", [due_at])
        first_sent, last_sent = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM reminders_reminder WHERE send_at > %s AND status = 'pending'", [due_at])
        still_pending = cursor.fetchone()[0]
        # the baseline: the same rows, pending again, marked sent by one statement
        cursor.execute("""UPDATE reminders_reminder SET status = 'pending', sent_at = NULL, next_attempt_at = send_at,
                              claim_token = NULL WHERE send_at = %s""", [due_at])
        baseline_started = time.monotonic()
        cursor.execute("""UPDATE reminders_reminder SET status = 'sent', sent_at = now(), next_attempt_at = NULL
                          WHERE status IN ('pending', 'sending') AND next_attempt_at <= %s""", [due_at])
        marked = cursor.rowcount
        baseline = time.monotonic() - baseline_started
    worker_seconds = (last_sent - due_at).total_seconds()
    sending_seconds = (last_sent - first_sent).total_seconds()
    result = {
        "pending": pending, "due": args.due, "last_sent_after_due_s": worker_seconds,
        "sending_s": sending_seconds, "per_second": args.due / max(worker_seconds, 1e-9),
        "per_second_while_sending": args.due / max(sending_seconds, 1e-9),
        "idle_rss_mib": idle_rss / 1024, "peak_rss_mib": peak_total / 1024, "peak_process_mib": peak_process / 1024,
        "baseline_s": baseline, "baseline_rows": marked, "ratio": worker_seconds / baseline,
        "untouched_future": still_pending, "sweeps": len(fired),
    }
    verdict = "within" if worker_seconds <= TARGET_SECONDS else "OVER"
    print(f"all {args.due:,} sent {worker_seconds:.1f} s after due ({verdict} the {TARGET_SECONDS} s target), "
          f"{result['per_second']:,.0f} reminders/s ({result['per_second_while_sending']:,.0f}/s from first to last "
          f"send), {len(fired)} sweep(s) fired", flush=True)
    print(f"worker memory: {result['idle_rss_mib']:.0f} MiB idle, {result['peak_rss_mib']:.0f} MiB peak "
          f"(worker + pool), largest single process peak {result['peak_process_mib']:.0f} MiB", flush=True)
    print(f"raw-SQL baseline: {marked:,} rows marked sent by one UPDATE in {baseline:.2f} s; "
          f"worker/baseline = {result['ratio']:.1f}x", flush=True)
    print(f"future reminders left pending and untouched: {still_pending:,}", flush=True)
    return result


def main() -> None:
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    broker_dir = tempfile.mkdtemp(prefix="bench-reminders-")
    setup_django(url, broker_dir)
    from django.conf import settings

    print(f"database {urlsplit(url).path.lstrip('/')}, broker {settings.CELERY_BROKER_URL}, "
          f"{os.cpu_count()} CPUs, worker concurrency {args.concurrency or os.cpu_count()}")
    results = [run(args, int(p), broker_dir) for p in args.pending.split(",") if p.strip()]
    shutil.rmtree(broker_dir, ignore_errors=True)  # kept (with the worker's log) when a run fails
    if len(results) > 1:
        low, high = results[0], results[-1]
        print(f"\nmemory with {low['pending']:,} vs {high['pending']:,} pending: {low['peak_rss_mib']:.0f} MiB vs "
              f"{high['peak_rss_mib']:.0f} MiB peak ({high['peak_rss_mib'] - low['peak_rss_mib']:+.0f} MiB)")


if __name__ == "__main__":
    main()
