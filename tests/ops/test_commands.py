"""The operator's commands: the first clinic administrator, rotating API tokens, re-sending or
cancelling a failed batch of reminders, exporting a patient's data."""

import json
from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from clinics.models import Clinic, Role, User
from reminders.channels import TransientError
from reminders.models import Reminder, ReminderStatus
from reminders.outbox import MAX_ATTEMPTS, send_due_reminders
from tests.reminders.backends import RecordingSmsBackend

pytestmark = pytest.mark.django_db


def run(*args, **env):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue().strip().splitlines()


def test_the_first_administrator_is_created_with_the_clinic_and_gets_a_token(monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", "a-long-enough-Passphrase-42")
    lines = run("create_clinic_admin", "alice", "--clinic", "north", "--name", "North Clinic",
                "--timezone", "Europe/Dublin", "--email", "alice@north.example")
    alice = User.objects.get(username="alice")
    assert alice.role == Role.ADMIN and alice.clinic == Clinic.objects.get(slug="north")
    assert alice.email == "alice@north.example" and alice.check_password("a-long-enough-Passphrase-42")
    assert works(lines[-1]), "the last line is alice's API key"
    again = run("create_clinic_admin", "alice", "--clinic", "north")
    assert again[0].startswith("Already exists") and User.objects.filter(username="alice").count() == 1
    assert "not shown again" in again[-1]


def test_a_generated_password_is_shown_once_and_a_weak_one_is_refused(monkeypatch, clinic):
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    lines = run("create_clinic_admin", "bob", "--clinic", clinic.slug, "--generate-password")
    password = next(line for line in lines if line.startswith("Password (shown once): ")).split(": ", 1)[1]
    assert User.objects.get(username="bob").check_password(password)
    monkeypatch.setenv("ADMIN_PASSWORD", "password")
    with pytest.raises(CommandError, match="password refused"):
        run("create_clinic_admin", "carol", "--clinic", clinic.slug)
    assert not User.objects.filter(username="carol").exists()


def test_an_unknown_clinic_needs_a_name_and_time_zone():
    with pytest.raises(CommandError, match="give --name and --timezone"):
        run("create_clinic_admin", "alice", "--clinic", "nowhere", "--generate-password")


def works(key: str) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/protocols/").status_code == 200


def test_rotating_a_clinics_tokens_stops_the_old_ones_at_once(cara, nina, otto, as_cara, as_otto):
    assert run("rotate_api_tokens", "--clinic", "riverside", "--dry-run") == [
        "Would rotate 2 token(s) of riverside: cara, nina"]
    assert as_cara.get("/api/v1/protocols/").status_code == 200  # a dry run changes nothing
    lines = run("rotate_api_tokens", "--clinic", "riverside")
    new = dict(line.split() for line in lines)
    assert set(new) == {"cara", "nina"} and works(new["cara"]) and works(new["nina"])
    assert as_cara.get("/api/v1/protocols/").status_code == 401
    assert as_otto.get("/api/v1/protocols/").status_code == 200  # another clinic's staff keep theirs
    lines = run("rotate_api_tokens", "--clinic", "riverside", "--user", "nina")
    assert [line.split()[0] for line in lines] == ["nina"] and works(new["cara"]) and not works(new["nina"])
    with pytest.raises(CommandError, match="not staff of riverside: otto"):
        run("rotate_api_tokens", "--clinic", "riverside", "--user", "otto")


@pytest.fixture
def failed_texts(patient, enroll, clinic):
    """An SMS outage on 2-3 March 2026: Pat's daily dose texts were given up after every retry failed."""
    with time_machine.travel("2026-03-01 06:00Z", tick=False):
        enroll(patient, "iron-oral-daily", date(2026, 3, 2))
    Reminder.objects.filter(channel="sms", about_date__in=[date(2026, 3, 2), date(2026, 3, 3)]).update(
        status=ReminderStatus.FAILED, attempts=MAX_ATTEMPTS, next_attempt_at=None,
        status_reason="gave up after 6 attempts: gateway timeout", last_error="gateway timeout")
    return list(Reminder.objects.filter(status=ReminderStatus.FAILED).order_by("send_at"))


def test_a_dry_run_shows_the_failed_batch_and_changes_nothing(failed_texts):
    with time_machine.travel("2026-03-03 08:10Z", tick=False):
        lines = run("reminders_batch", "resend", "--clinic", "riverside", "--from", "2026-03-01T00:00",
                    "--reason", "gave up", "--dry-run")
    assert lines[0] == "riverside, due 2026-03-01 00:00 to 2026-03-03 08:10: 2 failed"
    assert "Would re-send 2; of those 1 are patients' reminders whose moment has passed" in lines[-1]
    assert Reminder.objects.filter(status=ReminderStatus.FAILED).count() == 2


def test_resending_queues_the_batch_and_the_sweep_sends_only_what_is_still_timely(failed_texts, texts):
    with time_machine.travel("2026-03-03 08:10Z", tick=False):
        run("reminders_batch", "resend", "--clinic", "riverside", "--from", "2026-03-01T00:00",
            "--note", "gateway back after outage")
        assert Reminder.objects.filter(status=ReminderStatus.PENDING, pk__in=[r.pk for r in failed_texts]).count() == 2
        send_due_reminders()
    yesterday, today = (Reminder.objects.get(pk=r.pk) for r in failed_texts)
    assert today.status == ReminderStatus.SENT and len(texts) == 1
    assert yesterday.status == ReminderStatus.EXPIRED  # a dose reminder is never sent a day late


def test_a_resend_needs_a_note_and_an_unknown_clinic_is_refused(failed_texts):
    with pytest.raises(CommandError, match="--note"):
        run("reminders_batch", "resend", "--clinic", "riverside")
    with pytest.raises(CommandError, match="no clinic"):
        run("reminders_batch", "cancel", "--clinic", "nowhere", "--note", "x")
    with pytest.raises(CommandError, match="not a date"):
        run("reminders_batch", "cancel", "--clinic", "riverside", "--from", "yesterday", "--note", "x")


def test_cancelling_closes_failed_rows_and_rows_waiting_for_a_retry_but_not_others(failed_texts, patient):
    with time_machine.travel("2026-03-04 08:00:30Z", tick=False):
        RecordingSmsBackend.fail_with = TransientError("gateway timeout")
        send_due_reminders()  # the 4 March text fails once and waits for a retry
        RecordingSmsBackend.fail_with = None
        retrying = Reminder.objects.get(channel="sms", about_date=date(2026, 3, 4))
        assert retrying.status == ReminderStatus.PENDING and retrying.attempts == 1
        later = Reminder.objects.get(channel="sms", about_date=date(2026, 3, 5))
        run("reminders_batch", "cancel", "--clinic", "riverside", "--from", "2026-03-01T00:00",
            "--to", "2026-03-06T00:00", "--channel", "sms", "--note", "outage; patients phoned instead")
    assert Reminder.objects.filter(status=ReminderStatus.CANCELLED, status_reason__startswith="cancelled by an operator"
                                   ).count() == 3
    assert Reminder.objects.get(pk=later.pk).status == ReminderStatus.PENDING  # never failed: untouched


def test_a_patients_export_holds_their_records_and_no_secrets(patient, enroll, tmp_path, clinic, other_clinic):
    with time_machine.travel("2026-03-01 06:00Z", tick=False):
        enroll(patient, "iron-oral-daily", date(2026, 3, 2))
    target = tmp_path / "export.json"
    run("export_patient", "--clinic", "riverside", "--mrn", patient.mrn, "--output", str(target))
    document = json.loads(target.read_text())
    assert document["format"] == "clinic-scheduler.patient-export" and document["version"] == 1
    assert document["patient"]["family_name"] == "Jones" and document["patient"]["mrn"] == "R0001"
    assert len(document["enrollments"]) == 1 and document["scheduled_events"] and document["reminders"]
    assert document["history"], "the audit trail of the patient's record is part of it"
    assert "calendar_token" not in json.dumps(document) and "claim_token" not in json.dumps(document)
    with pytest.raises(CommandError, match="no such patient"):
        run("export_patient", "--clinic", "hillside", "--mrn", patient.mrn)


def test_a_patients_export_as_fhir_is_their_everything_bundle(patient, enroll, tmp_path, clinic):
    from fhir.resources.R4B.bundle import Bundle

    with time_machine.travel("2026-03-01 06:00Z", tick=False):
        enroll(patient, "iron-oral-daily", date(2026, 3, 2))
    target = tmp_path / "export.fhir.json"
    run("export_patient", "--clinic", "riverside", "--mrn", patient.mrn, "--format", "fhir", "--output", str(target))
    bundle = Bundle.model_validate(json.loads(target.read_text()))
    kinds = {entry.resource.get_resource_type() for entry in bundle.entry}
    assert {"Patient", "CarePlan", "MedicationRequest"} <= kinds
    assert bundle.entry[0].resource.id == str(patient.pk)
