#!/usr/bin/env python
"""Benchmark reminders end to end: many due at once, real workers, a real provider protocol.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reminders \\
        .venv/bin/python scripts/bench_reminders.py --due 10000 --channel sms --workers 1

For each number of --pending (future) reminders it builds a fresh plan in the bench database:
--due patients each with an oral-iron dose whose reminder (on --channel) falls due at the same
moment, and the pending ones on later days. The due moment is set after the plan is built (so
building never counts as lateness). It starts --workers separate `celery -A config worker`
processes (like hosts, each with a pool of --concurrency), fires the beat's sweep at the due
moment and every minute after, waits until every due row has really finished (claimed rows
included) and prints:

- the rows' statuses (all must be `sent`), what the provider received (duplicates, the most in
  one second, the most in flight at once), when it was received;
- the time from due to the last hand-over, and the rate;
- the workers' CPU time per reminder sent, and their peak memory (each worker with its pool);
- a last line of JSON with all of it.

The provider:
- SMS, `--sms-backend twilio` (default): the real Twilio backend, configured by the TWILIO_*
  environment. If TWILIO_API_URL is not set, a built-in stand-in (scripts/provider_standin.py)
  answering after --provider-latency-ms is started and used; set TWILIO_API_URL (and
  TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER) to measure any server that speaks
  Twilio's Messages API instead. `--sms-backend null` measures a channel that does nothing.
- email: SMTP to EMAIL_HOST/EMAIL_PORT if EMAIL_HOST is set, else the stand-in's SMTP server.
- The rate limit is TWILIO_MAX_PER_SECOND / EMAIL_MAX_PER_SECOND from the environment, or
  --max-per-second; unset, the benchmark runs unlimited (0).

The database must be a separate one whose name starts with "bench" (it is emptied); it is
created if missing. The broker is CELERY_BROKER_URL if set, else a fresh embedded filesystem
transport folder.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_reminders"
#: Targets: every reminder handed over this long after the due moment (10,000 due; 100,000: 300 s).
TARGET_SECONDS = {10_000: 60, 100_000: 300}
#: Memory and CPU are sampled this often while the workers send.
SAMPLE_EVERY = 0.25
#: Workers get this long to start before the due moment.
WORKER_START_SECONDS = 8
#: A run gives up after this long.
GIVE_UP_SECONDS = 1200
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--due", type=int, default=10_000, help="reminders due at the same moment")
    parser.add_argument("--pending", default="10000", help="comma-separated numbers of future reminders, a run each")
    parser.add_argument("--channel", choices=["sms", "email"], default="sms")
    parser.add_argument("--sms-backend", default="twilio", help="twilio (default), null, or any SMS_BACKEND")
    parser.add_argument("--provider-latency-ms", type=float, default=100.0,
                        help="the built-in stand-in's answer time (when no provider is given)")
    parser.add_argument("--workers", type=int, default=1, help="separate worker processes (like hosts)")
    parser.add_argument("--concurrency", type=int, default=2, help="each worker's pool size")
    parser.add_argument("--max-per-second", type=float, default=None,
                        help="the provider's rate limit (default: TWILIO_/EMAIL_MAX_PER_SECOND, else unlimited)")
    parser.add_argument("--lanes", type=int, default=None,
                        help="sends in flight per sweep (REMINDERS_SMS/EMAIL_CONCURRENCY; default: the setting)")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def build_plan(due: int, pending: int, channel: str, placeholder: datetime) -> None:
    """Patients, enrollments, events and reminders in bulk with SQL (signals do not fire)."""
    from django.db import connection

    from clinics.models import Clinic, User
    from patients.models import Enrollment, Patient, ScheduledEvent
    from patients.services.enrollments import resolve_protocol
    from reminders.models import ClinicReminderSettings, Reminder

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE reminders_reminder, patients_scheduledevent, patients_enrollment, patients_patient, "
                       "reminders_patientreminderpreferences, reminders_optout CASCADE")
    clinic, _ = Clinic.objects.get_or_create(slug="bench", defaults={"name": "Bench Clinic", "timezone": "UTC"})
    ClinicReminderSettings.objects.update_or_create(clinic=clinic, defaults={"patient_channels": channel,
                                                                             "quiet_hours_end": "21:00"})
    user, _ = User.objects.get_or_create(username="bench-clinician", defaults={"clinic": clinic, "role": "clinician"})
    version = resolve_protocol(clinic, "iron-oral-daily")
    days_ahead = max(1, -(-pending // due))  # future doses per patient
    params = {"clinic": clinic.pk, "user": user.pk, "version": version.pk, "due": due, "at": placeholder,
              "days": days_ahead, "future_patients": min(due, pending), "pending": pending, "channel": channel}
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
            "clinic_id": "clinic_id", "kind": "'dose'", "channel": "%(channel)s", "patient_id": "patient_id",
            "event_id": "id", "about_date": "due_date", "key": "'event:' || id || ':dose:' || %(channel)s || ':' || due_date",
            "send_at": "due_at", "next_attempt_at": "due_at", "recipient_id": "NULL", "alert_id": "NULL",
        }, """(SELECT * FROM patients_scheduledevent WHERE clinic_id = %(clinic)s
               ORDER BY sequence, id LIMIT %(due)s + %(pending)s) planned""", params)
        for table in ("patients_patient", "patients_enrollment", "patients_scheduledevent", "reminders_reminder"):
            cursor.execute(f"VACUUM ANALYZE {table}" if connection.vendor == "postgresql" else f"ANALYZE {table}")


def set_due_moment(placeholder: datetime, due_at: datetime) -> int:
    """Move the first dose of every patient (and its reminder) from the placeholder to `due_at`."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""UPDATE patients_scheduledevent SET due_at = %s, due_date = %s::date, window_start = %s::date,
                          window_end = %s::date WHERE due_at = %s""", [due_at, due_at, due_at, due_at, placeholder])
        cursor.execute("""UPDATE reminders_reminder SET send_at = %s, next_attempt_at = %s, about_date = %s::date
                          WHERE send_at = %s""", [due_at, due_at, due_at, placeholder])
        return cursor.rowcount


def unfinished(due_at: datetime) -> int:
    """Rows due at `due_at` not finished yet: waiting, waiting for a retry, or claimed by a worker.

    Read through the sweep's own partial index (live rows by next_attempt_at): the future rows
    are a day or more later, a retry or a lease at most an hour.
    """
    from reminders.models import LIVE_STATUSES, Reminder

    return Reminder.objects.filter(status__in=LIVE_STATUSES, next_attempt_at__lt=due_at + timedelta(hours=12)).count()


def process_tree(root_pid: int) -> list[int]:
    pids, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            pass
    return pids


def tree_usage(root_pid: int) -> tuple[float, int]:
    """(CPU seconds used by the worker and its pool, summed RSS in KiB)."""
    cpu, rss = 0.0, 0
    for pid in process_tree(root_pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
            status = Path(f"/proc/{pid}/status").read_text()
            rss += int(status.split("VmRSS:")[1].split()[0]) if "VmRSS:" in status else 0
        except (OSError, IndexError, ValueError):
            continue
    return cpu, rss


def sweep_reports(folder: Path, pending: int) -> list[dict]:
    """What each sweep of the run reported (the workers' "reminders sweep: {...}" log lines)."""
    import ast

    reports = []
    for log in folder.glob(f"worker-{pending}-*.log"):
        for line in log.read_text(errors="replace").splitlines():
            if "reminders sweep: {" in line:
                try:
                    reports.append(ast.literal_eval(line.split("reminders sweep: ", 1)[1].strip()))
                except (ValueError, SyntaxError):
                    continue
    return reports


class Standin:
    """The built-in provider stand-in, in a process of its own."""

    def __init__(self, latency_ms: float, folder: Path):
        self.http_port, self.smtp_port = free_port(), free_port()
        self.stats_file = folder / "standin-stats.json"
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "provider_standin.py"), "--http-port", str(self.http_port),
             "--smtp-port", str(self.smtp_port), "--latency-ms", str(latency_ms), "--stats-file", str(self.stats_file)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        line = self.process.stdout.readline()
        if b"ready" not in line:
            raise SystemExit(f"the provider stand-in did not start: {line!r}")

    def stats(self) -> dict:
        with urlopen(f"http://127.0.0.1:{self.http_port}/stats", timeout=5) as answer:
            return json.load(answer)

    def reset(self) -> None:
        urlopen(f"http://127.0.0.1:{self.http_port}/reset", data=b"", timeout=5).read()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def provider_env(args, standin: Standin | None) -> dict:
    env = {}
    rate = args.max_per_second
    if args.channel == "sms":
        env["SMS_BACKEND"] = args.sms_backend
        if standin is not None:
            env.update({"TWILIO_API_URL": f"http://127.0.0.1:{standin.http_port}", "TWILIO_ACCOUNT_SID": "ACbench",
                        "TWILIO_AUTH_TOKEN": "bench-token", "TWILIO_FROM_NUMBER": "+15005550006"})
        env["TWILIO_MAX_PER_SECOND"] = str(rate if rate is not None else os.environ.get("TWILIO_MAX_PER_SECOND", "0"))
        if args.lanes:
            env["REMINDERS_SMS_CONCURRENCY"] = str(args.lanes)
    else:
        env["EMAIL_BACKEND"] = "django.core.mail.backends.smtp.EmailBackend"
        if standin is not None:
            env.update({"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(standin.smtp_port), "EMAIL_USE_TLS": "false"})
        env["EMAIL_MAX_PER_SECOND"] = str(rate if rate is not None else os.environ.get("EMAIL_MAX_PER_SECOND", "0"))
        if args.lanes:
            env["REMINDERS_EMAIL_CONCURRENCY"] = str(args.lanes)
    return env


def needs_standin(args) -> bool:
    if args.channel == "sms":
        return args.sms_backend == "twilio" and not os.environ.get("TWILIO_API_URL")
    return not os.environ.get("EMAIL_HOST")


def run(args, pending: int, folder: Path, standin: Standin | None) -> dict:
    from django.db import connection
    from django.db.models import Count

    from reminders.models import Reminder
    from reminders.tasks import reminders_send_due

    print(f"\n== {args.due:,} {args.channel} reminders due at the same moment, {pending:,} pending later; "
          f"{args.workers} worker(s) x pool {args.concurrency}", flush=True)
    started = time.monotonic()
    placeholder = (datetime.now(UTC) + timedelta(days=1)).replace(second=0, microsecond=0)
    build_plan(args.due, pending, args.channel, placeholder)
    print(f"built the plan in {time.monotonic() - started:.1f} s", flush=True)
    if standin is not None:
        standin.reset()

    env = {**os.environ, "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1", **provider_env(args, standin)}
    workers, logs = [], []
    for n in range(args.workers):
        log = open(folder / f"worker-{pending}-{n}.log", "wb")  # noqa: SIM115
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO", "--without-gossip",
                   "--without-mingle", "--without-heartbeat", f"--concurrency={args.concurrency}",
                   "-n", f"bench-{os.getpid()}-{n}@%h"]
        workers.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
        logs.append(log)
    try:
        # the workers start meanwhile; moving the rows takes about a second per 10,000 on a busy machine
        lead = WORKER_START_SECONDS + args.due / 10_000
        due_at = (datetime.now(UTC) + timedelta(seconds=lead)).replace(microsecond=0)
        moved = set_due_moment(placeholder, due_at)
        late = (datetime.now(UTC) - due_at).total_seconds()
        print(f"due at {due_at:%H:%M:%S} UTC ({moved:,} rows)" +
              (f"; WARNING: setting the due moment took {late:.1f} s past it" if late > 0 else ""), flush=True)
        while datetime.now(UTC) < due_at:
            time.sleep(0.01)
        idle = [tree_usage(w.pid) for w in workers]
        cpu_before = sum(cpu for cpu, _ in idle)
        fired = [time.monotonic()]
        reminders_send_due.delay()  # the beat's tick at the due moment
        peak_rss = [0] * len(workers)
        cpu_now = [0.0] * len(workers)
        checked = 0.0
        while True:
            for i, worker in enumerate(workers):
                cpu, rss = tree_usage(worker.pid)
                cpu_now[i] = max(cpu_now[i], cpu)
                peak_rss[i] = max(peak_rss[i], rss)
            now = time.monotonic()
            if now - checked >= 2.0:
                checked = now
                if not unfinished(due_at):
                    break
            if now - fired[-1] >= 60:  # the next beat tick
                reminders_send_due.delay()
                fired.append(now)
            if now - fired[0] > GIVE_UP_SECONDS:
                raise SystemExit(f"gave up after {GIVE_UP_SECONDS} s; worker logs in {folder}")
            time.sleep(SAMPLE_EVERY)
        finished_after = time.monotonic() - fired[0]
        cpu_used = sum(cpu_now) - cpu_before
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
        for log in logs:
            log.close()

    statuses = dict(sorted(Reminder.objects.filter(send_at=due_at).values_list("status").annotate(n=Count("id"))))
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(sent_at), max(sent_at), max(attempts) FROM reminders_reminder WHERE send_at = %s",
                       [due_at])
        first_sent, last_sent, max_attempts = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM reminders_reminder WHERE send_at > %s AND status <> 'pending'", [due_at])
        future_touched = cursor.fetchone()[0]
    sent = statuses.get("sent", 0)
    sweeps = sweep_reports(folder, pending)
    last_after = (last_sent - due_at).total_seconds() if last_sent else None
    result = {
        "channel": args.channel, "due": args.due, "pending": pending, "workers": args.workers,
        "pool": args.concurrency, "statuses": statuses, "all_sent": sent == args.due,
        "first_handover_after_due_s": (first_sent - due_at).total_seconds() if first_sent else None,
        "last_handover_after_due_s": last_after, "finished_after_s": finished_after,
        "per_second": sent / last_after if last_after else None,
        "worker_cpu_s": cpu_used, "cpu_ms_per_reminder": 1000 * cpu_used / sent if sent else None,
        "peak_rss_mib_per_worker": [round(kib / 1024, 1) for kib in peak_rss], "max_attempts": max_attempts,
        "future_rows_touched": future_touched, "sweeps_fired": len(fired), "load": os.getloadavg(),
        "sweeps": len(sweeps), "peak_in_flight_per_sweep": max((s.get("peak_in_flight", 0) for s in sweeps), default=0),
    }
    if standin is not None:
        stats = standin.stats()
        result["provider"] = {key: stats[key] for key in ("accepted", "distinct", "duplicates", "max_per_second",
                                                           "peak_in_flight", "status", "connections")}
    target = TARGET_SECONDS.get(args.due)
    verdict = "" if target is None or last_after is None else (
        f" ({'within' if last_after <= target else 'OVER'} the {target} s target)")
    print(f"statuses: {statuses}; every one sent: {result['all_sent']}", flush=True)
    if last_after is not None:
        print(f"last handed over {last_after:.1f} s after due{verdict}, first {result['first_handover_after_due_s']:.1f} s;"
              f" {result['per_second']:,.0f} reminders/s; {len(fired)} sweep(s) fired", flush=True)
    if sent:
        print(f"worker CPU: {cpu_used:.1f} s, {result['cpu_ms_per_reminder']:.2f} ms per reminder sent", flush=True)
    print(f"worker peak memory (each worker with its pool): {result['peak_rss_mib_per_worker']} MiB", flush=True)
    print(f"{len(sweeps)} sweep(s) ran; at most {result['peak_in_flight_per_sweep']} messages in flight in one sweep",
          flush=True)
    if "provider" in result:
        p = result["provider"]
        print(f"provider received {p['accepted']:,} ({p['duplicates']} duplicates), at most {p['max_per_second']} "
              f"in one second, at most {p['peak_in_flight']} in flight, answers {p['status']}", flush=True)
    print(f"load average {result['load'][0]:.2f} {result['load'][1]:.2f} {result['load'][2]:.2f}", flush=True)
    return result


def main() -> None:
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    folder = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    setup_django(url, str(folder / "broker"))
    from django.conf import settings

    standin = Standin(args.provider_latency_ms, folder) if needs_standin(args) else None
    provider = (f"built-in stand-in, {args.provider_latency_ms:.0f} ms" if standin else
                os.environ.get("TWILIO_API_URL") if args.channel == "sms" and args.sms_backend == "twilio" else
                f"{os.environ.get('EMAIL_HOST')}:{os.environ.get('EMAIL_PORT', '25')}" if args.channel == "email" else
                f"SMS_BACKEND={args.sms_backend}")
    print(f"database {urlsplit(url).path.lstrip('/')}, broker {settings.CELERY_BROKER_URL}, {os.cpu_count()} CPUs; "
          f"provider: {provider}", flush=True)
    try:
        results = [run(args, int(p), folder, standin) for p in args.pending.split(",") if p.strip()]
    finally:
        if standin is not None:
            standin.stop()
    shutil.rmtree(folder, ignore_errors=True)  # kept (with the workers' logs) when a run fails
    if len(results) > 1:
        low, high = results[0], results[-1]
        print(f"\nmemory with {low['pending']:,} vs {high['pending']:,} pending: {low['peak_rss_mib_per_worker']} vs "
              f"{high['peak_rss_mib_per_worker']} MiB")
    print(json.dumps(results if len(results) > 1 else results[0], default=str))


if __name__ == "__main__":
    main()
