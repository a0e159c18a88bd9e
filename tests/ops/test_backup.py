"""A backup can be restored: pg_dump of the database, scripts/restore_check into a scratch database,
and the same patients and plans come back (PostgreSQL only)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from ops.management.commands.backup_report import backup_report
from patients.models import Patient, ScheduledEvent

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("builtin_protocols"),
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="needs pg_dump and pg_restore"),
]


def server_url(database: str) -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database}"


def restore_check(dump: Path, expect: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "RESTORE_ADMIN_URL": server_url("postgres"),
           "RESTORE_DATABASE": f"{connection.settings_dict['NAME']}_restore", "PYTHON": sys.executable}
    return subprocess.run([str(ROOT / "scripts" / "restore_check"), str(dump), "--expect", str(expect)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_a_dump_restored_by_restore_check_has_the_same_patients_and_plans(clinic, patient, enroll, tmp_path):
    from tests.factories import PatientFactory

    second = PatientFactory(clinic=clinic, mrn="R0002", given_name="Ann", family_name="Lee")
    enroll(patient, "iron-oral-daily")
    enroll(second, "b12-im-standard")
    assert ScheduledEvent.objects.count() > 20

    dump = tmp_path / "clinic.dump"
    subprocess.run(["pg_dump", "--format=custom", "--file", str(dump), server_url(connection.settings_dict["NAME"])],
                   check=True, timeout=300)
    expected = tmp_path / "expected.json"
    expected.write_text(json.dumps(backup_report()))
    assert json.loads(expected.read_text())["patients"]["count"] == 2

    restored = restore_check(dump, expected)
    assert restored.returncode == 0, restored.stdout[-3000:] + restored.stderr[-3000:]
    assert "same data as" in restored.stdout and "restore_check: passed" in restored.stdout
    assert "Ann" not in restored.stdout and "Jones" not in restored.stdout  # counts and fingerprints only

    Patient.objects.filter(pk=second.pk).update(family_name="Leigh")  # the live data moved on after the dump
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(backup_report()))
    differs = restore_check(dump, changed)
    assert differs.returncode == 1 and "differs" in differs.stderr
