"""The sweep sends each due reminder once, records what happened, and never sends a patient's late."""

import threading
import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection

from alerts.models import Alert
from alerts.services import alert_raise
from patients.models import Administration, ScheduledEvent
from patients.services import administration_record, patient_update
from reminders.channels import PermanentError, TransientError
from reminders.models import ClinicReminderSettings, OptOut, PatientReminderPreferences, Reminder, ReminderStatus
from reminders.outbox import MAX_ATTEMPTS, Outcomes, claim_due, send_due_reminders

from .backends import RecordingSmsBackend

pytestmark = pytest.mark.django_db
DOSE_DAY = date(2026, 3, 2)


def at(text: str):
    return time_machine.travel(text, tick=False)


@pytest.fixture
def on_iron(patient, enroll):
    """Pat takes oral iron at 08:00 London time from Monday 2 March 2026 (GMT: 08:00 UTC)."""
    with at("2026-03-01 06:00Z"):
        return enroll(patient, "iron-oral-daily", DOSE_DAY)


def reminder(channel="sms", day=DOSE_DAY, kind="dose") -> Reminder:
    return Reminder.objects.get(channel=channel, about_date=day, kind=kind)


def test_a_due_dose_reminder_is_sent_once_by_text_and_by_email(on_iron, texts, mailoutbox):
    with at("2026-03-02 08:00:20Z"):
        first = send_due_reminders()
        second = send_due_reminders()
    assert first["sent"] == 2 and not second
    assert len(texts) == 1 and len(mailoutbox) == 1
    row = reminder("sms")
    assert row.status == ReminderStatus.SENT and row.attempts == 1
    assert row.sent_at == datetime(2026, 3, 2, 8, 0, 20, tzinfo=UTC)
    assert row.provider_ref == f"SM{row.pk:08d}" and row.next_attempt_at is None and row.claim_token is None


def test_nothing_is_sent_before_its_time(on_iron, texts):
    with at("2026-03-02 07:59:59Z"):
        assert not send_due_reminders()
    assert texts == []


def test_a_text_names_no_drug_unless_the_clinic_opted_in(on_iron, texts, clinic):
    with at("2026-03-02 08:00Z"):
        send_due_reminders()
    body = texts[0].body
    assert "Riverside Clinic" in body and "Reply STOP" in body and "https://clinic.test/r/taken/" in body
    assert not any(word in body.lower() for word in ("iron", "ferrous", "anaemia", "b12", "sulfate"))
    clinic.reminder_details_opt_in = True
    clinic.save()
    with at("2026-03-03 08:00Z"):
        send_due_reminders()
    assert "ferrous sulfate tablet 200 mg" in texts[1].body


def test_an_email_reminder_carries_the_taken_link_an_unsubscribe_link_and_the_calendar(on_iron, mailoutbox, patient):
    with at("2026-03-02 08:00Z"):
        send_due_reminders()
    email = mailoutbox[0]
    assert email.to == [patient.email]
    assert email.subject == "Riverside Clinic: Today's dose, 08:00"
    assert "https://clinic.test/r/taken/" in email.body and "https://clinic.test/r/unsubscribe/" in email.body
    token = PatientReminderPreferences.objects.get(patient=patient).calendar_token
    assert f"https://clinic.test/r/calendar/{token}.ics" in email.body
    assert email.extra_headers["List-Unsubscribe"].startswith("<https://clinic.test/r/unsubscribe/")
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Riverside Clinic" in email.from_email


def test_a_patient_reminder_found_after_its_moment_is_expired_not_sent_late(on_iron, texts):
    with at("2026-03-02 08:29Z"):  # within the grace period: still useful
        send_due_reminders()
    assert reminder("sms").status == ReminderStatus.SENT
    with at("2026-03-03 09:30Z"):  # the system was down at 08:00
        counts = send_due_reminders()
    assert counts["expired"] == 2 and len(texts) == 1
    late = reminder("sms", date(2026, 3, 3))
    assert late.status == ReminderStatus.EXPIRED and late.sent_at is None
    assert late.status_reason == "its moment passed 90 minutes before it could be sent"


def test_an_alert_for_clinicians_is_still_delivered_after_an_outage(on_iron, patient, cara_with_email, mailoutbox):
    with at("2026-03-02 08:00Z"):
        alert_raise(patient=patient, code="dose-missed", message="Loading dose 2 was missed", facts={},
                    fingerprint="loading#2")
    with at("2026-03-02 14:00Z"):
        send_due_reminders()
    row = Reminder.objects.get(kind="alert")
    assert row.status == ReminderStatus.SENT and mailoutbox[-1].to == ["cara@riverside.test"]


def test_a_transient_failure_is_retried_with_backoff_then_given_up(on_iron, texts):
    RecordingSmsBackend.fail_with = TransientError("Twilio 503")
    with at("2026-03-02 08:00Z"):
        send_due_reminders()
    row = reminder("sms")
    assert row.status == ReminderStatus.PENDING and row.attempts == 1 and row.last_error == "Twilio 503"
    assert row.next_attempt_at == datetime(2026, 3, 2, 8, 0, 30, tzinfo=UTC)
    with at("2026-03-02 08:00:29Z"):
        send_due_reminders()
    assert reminder("sms").attempts == 1, "not before its backoff"
    with at("2026-03-02 08:00:30Z"):
        send_due_reminders()
    row = reminder("sms")
    assert row.attempts == 2 and row.next_attempt_at == datetime(2026, 3, 2, 8, 1, 30, tzinfo=UTC)
    Reminder.objects.filter(pk=row.pk).update(attempts=MAX_ATTEMPTS - 1, next_attempt_at=row.send_at)
    with at("2026-03-02 08:05Z"):
        send_due_reminders()
    row = reminder("sms")
    assert row.status == ReminderStatus.FAILED and row.status_reason.startswith("gave up after 6 attempts")
    RecordingSmsBackend.fail_with = None
    with at("2026-03-02 08:06Z"):
        send_due_reminders()
    assert texts == []


def test_a_number_the_provider_refuses_is_flagged_and_the_staff_are_told(on_iron, patient, cara, texts):
    RecordingSmsBackend.fail_with = PermanentError("Twilio 400 error 21211: invalid To", bad_contact=True)
    with at("2026-03-02 08:00Z"):
        send_due_reminders()
    assert reminder("sms").status == ReminderStatus.FAILED
    assert not Reminder.objects.filter(channel="sms", status=ReminderStatus.PENDING).exists()
    assert Reminder.objects.filter(channel="email", status=ReminderStatus.PENDING).exists()
    alert = Alert.objects.get(code="reminder-undeliverable")
    assert alert.patient == patient and "+447700900123" in alert.message
    flag = PatientReminderPreferences.objects.get(patient=patient).undeliverable["sms"]
    assert flag["to"] == "+447700900123"
    RecordingSmsBackend.fail_with = None
    with at("2026-03-02 09:00Z"):
        patient_update(actor=cara, patient=patient, phone="+447700900999")
        assert Reminder.objects.filter(channel="sms", status=ReminderStatus.PENDING).exists(), "a new number is used"


def test_a_provider_that_reports_an_unsubscribed_number_records_the_opt_out(on_iron, patient):
    RecordingSmsBackend.fail_with = PermanentError("Twilio 400 error 21610", opted_out=True)
    with at("2026-03-02 08:00Z"):
        send_due_reminders()
    assert OptOut.objects.get(patient=patient).via == "provider"
    assert not Reminder.objects.filter(channel="sms", status=ReminderStatus.PENDING).exists()


def test_an_opt_out_that_reached_the_database_any_way_is_respected_at_send_time(on_iron, patient, texts):
    OptOut.objects.create(patient=patient, channel="sms", via="staff")  # no re-planning happened
    with at("2026-03-02 08:00Z"):
        send_due_reminders()
    assert texts == [] and reminder("sms").status == ReminderStatus.CANCELLED


def test_a_dose_recorded_before_its_reminder_is_not_reminded(on_iron, cara, texts):
    event = on_iron.events.get(due_date=DOSE_DAY, kind="dose")
    with at("2026-03-02 07:30Z"):
        administration_record(actor=cara, event=event, outcome="given", occurred_at=datetime(2026, 3, 2, 7, 30,
                                                                                               tzinfo=UTC))
    with at("2026-03-02 08:00Z"):
        send_due_reminders()
    assert texts == []


def test_a_claimed_row_whose_worker_died_is_sent_again_once_its_lease_expires(on_iron, texts, settings):
    settings.REMINDERS_LEASE_MARGIN_SECONDS = 120
    with at("2026-03-02 08:00Z"):
        token, ids = claim_due()  # ... and the worker is killed before it sends anything
    assert len(ids) == 2
    with at("2026-03-02 08:01:59Z"):
        assert not send_due_reminders(), "still leased"
    with at("2026-03-02 08:02:00Z"):
        assert send_due_reminders()["sent"] == 2
    assert reminder("sms").attempts == 2 and len(texts) == 1


def test_a_worker_whose_lease_was_taken_over_cannot_overwrite_the_outcome(on_iron):
    with at("2026-03-02 08:00Z"):
        token, ids = claim_due()
    row = Reminder.objects.get(pk=ids[0])
    stale = Outcomes(uuid.uuid4())
    stale.record_transient(row, "late news from a dead worker")
    stale.flush()
    row.refresh_from_db()
    assert row.status == ReminderStatus.SENDING and row.claim_token == token and row.last_error == ""


def test_a_system_timed_reminder_caught_in_new_quiet_hours_is_held_back(patient, enroll, clinic, texts):
    with at("2026-01-05 07:00Z"):
        enrollment = enroll(patient, "iron-oral-daily", date(2026, 1, 5))
    lab = enrollment.events.filter(kind="lab", window_start__gt=date(2026, 1, 5)).order_by("window_start").first()
    Reminder.objects.exclude(event=lab).delete()  # only the blood test matters here
    ClinicReminderSettings.objects.filter(clinic=clinic).update(quiet_hours_start=time(6, 0),
                                                                 quiet_hours_end=time(10, 0))
    with at(f"{lab.window_start} 09:00Z"):
        counts = send_due_reminders()
    assert counts["held"] == 2 and texts == []
    row = Reminder.objects.get(event=lab, channel="sms")
    assert row.status == ReminderStatus.PENDING
    assert row.send_at == datetime.combine(lab.window_start, time(10, 0), tzinfo=UTC)


def test_sending_many_reminders_takes_a_flat_number_of_queries(patient, enroll, django_assert_max_num_queries,
                                                               clinic, settings):
    settings.REMINDERS_SMS_CONCURRENCY = settings.REMINDERS_EMAIL_CONCURRENCY = 32  # one claim holds every row due
    ClinicReminderSettings.for_clinic(clinic)
    ClinicReminderSettings.objects.filter(clinic=clinic).update(patient_channels="sms")
    with at("2026-03-01 06:00Z"):
        enroll(patient, "iron-oral-daily", date(2026, 3, 1))
    # every dose of the plan due at once, on a test's whim
    moment = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    ScheduledEvent.objects.filter(kind="dose").update(due_at=moment, due_date=moment.date())
    Reminder.objects.update(send_at=moment, next_attempt_at=moment, about_date=moment.date())
    due = Reminder.objects.count()
    # per claim: claim, rows, opt-outs, preferences, settings; per flush of results: one write each
    with at("2026-03-01 08:00Z"), django_assert_max_num_queries(20):
        counts = send_due_reminders()
    assert counts["claimed"] == due > 50


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_time_send_nothing_twice(builtin_protocols, clinic, cara, enroll, texts):
    from tests.factories import PatientFactory

    ClinicReminderSettings.for_clinic(clinic)
    ClinicReminderSettings.objects.filter(clinic=clinic).update(patient_channels="sms")
    with at("2026-03-01 06:00Z"):
        for n in range(8):
            enroll(PatientFactory(clinic=clinic, phone=f"+4477009001{n:02d}"), "iron-oral-daily", date(2026, 3, 1))
    due = Reminder.objects.filter(send_at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC), status="pending").count()
    start = threading.Barrier(2)
    errors = []

    def sweep():
        try:
            start.wait()
            send_due_reminders(batch_size=3)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    with at("2026-03-02 08:00:05Z"):
        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert not errors
    references = [message.reference for message in texts if message.reference]
    assert len(references) == len(set(references)) == due == 8
    assert Reminder.objects.filter(status="sent").count() == due
    assert not Administration.objects.exists()


def test_a_retry_delay_doubles_up_to_its_cap():
    from reminders.outbox import RETRY_MAX, retry_delay

    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert retry_delay(20) == RETRY_MAX == timedelta(minutes=30)


@pytest.fixture
def asked_for(monkeypatch):
    """Senders the sweep asked the broker for (each a `reminders_send_due` helper task)."""
    from reminders.tasks import reminders_send_due

    calls = []
    monkeypatch.setattr(reminders_send_due, "apply_async", lambda **options: calls.append(options))
    return calls


@pytest.fixture
def six_doses_due(patient, enroll):
    """Three days of Pat's doses (six rows, text and email) all due at 08:00 on 4 March."""
    with at("2026-03-01 06:00Z"):
        enroll(patient, "iron-oral-daily", DOSE_DAY)
    Reminder.objects.filter(about_date__lt=date(2026, 3, 4)).update(
        send_at=datetime(2026, 3, 4, 7, 59, tzinfo=UTC), next_attempt_at=datetime(2026, 3, 4, 7, 59, tzinfo=UTC))


def test_the_beat_sweep_asks_for_as_many_more_senders_as_the_backlog_needs(six_doses_due, asked_for, monkeypatch,
                                                                          settings):
    from reminders import tasks

    monkeypatch.setattr(tasks, "ROWS_PER_SENDER", 2)
    settings.REMINDERS_MAX_SENDERS = 8
    with at("2026-03-04 08:00Z"):
        counts = tasks.reminders_send_due.apply().get()
    assert counts["senders_asked"] == len(asked_for) == 2, "six rows at two a sender: three sweeps, this one included"
    assert all(call["kwargs"] == {"helper": True} and call["expires"] == 60 for call in asked_for)
    assert counts["sent"] == 6


def test_helpers_ask_for_no_more_helpers_and_a_small_backlog_needs_none(six_doses_due, asked_for):
    from reminders import tasks

    with at("2026-03-04 08:00Z"):
        tasks.reminders_send_due.apply(kwargs={"helper": True}).get()
    with at("2026-03-05 08:00Z"):
        tasks.reminders_send_due.apply().get()
    assert asked_for == []


def test_the_number_of_senders_is_capped_and_counts_those_already_at_work(settings):
    from reminders.tasks import ROWS_PER_SENDER, senders_wanted

    settings.REMINDERS_MAX_SENDERS = 4
    assert senders_wanted(ROWS_PER_SENDER * 100, at_work=1) == 3
    assert senders_wanted(ROWS_PER_SENDER * 2, at_work=1) == 1
    assert senders_wanted(ROWS_PER_SENDER * 2, at_work=5) == 0
    assert senders_wanted(0, at_work=0) == 0


def test_a_sweep_that_spends_its_time_budget_with_rows_still_due_hands_over_to_a_fresh_sender(
        six_doses_due, asked_for, monkeypatch):
    from reminders import outbox, tasks

    one_claim_only = outbox.send_due_reminders
    monkeypatch.setattr(outbox, "send_due_reminders", lambda: one_claim_only(batch_size=2, time_budget=timedelta(0)))
    with at("2026-03-04 08:00Z"):
        counts = tasks.reminders_send_due.apply(kwargs={"helper": True}).get()
    assert counts["claimed"] == 2 and len(asked_for) == 1


def test_a_sweep_that_could_only_give_its_rows_back_does_not_hand_over_but_waits_for_the_beat(
        six_doses_due, asked_for, monkeypatch):
    from collections import Counter

    from reminders import outbox, tasks

    monkeypatch.setattr(outbox, "send_due_reminders", lambda: Counter(claimed=6, released=6))
    with at("2026-03-04 08:00Z"):
        tasks.reminders_send_due.apply(kwargs={"helper": True}).get()
    assert asked_for == [], "no task after task for rows that cannot be sent now"


def test_one_beat_entry_sweeps_every_minute_and_expires_if_not_run_in_time():
    from config.celery_app import app

    entry = app.conf.beat_schedule["reminders-send-due"]
    assert entry["task"] == "reminders.tasks.reminders_send_due"
    assert entry["schedule"] == 60 and entry["options"]["expires"] == 60
    assert app.conf.beat_schedule["reminders-plan-worklists"]["schedule"] == 3600
    assert app.conf.beat_schedule["reminders-replan-changed-clinics"]["schedule"] == 900


@pytest.fixture
def three_doses_due_at_once(on_iron, clinic):
    """Three of Pat's dose texts due at 08:00 on 2 March (a test's whim: the plan is moved under them)."""
    ClinicReminderSettings.objects.filter(clinic=clinic).update(patient_channels="sms")
    Reminder.objects.filter(channel="email").delete()
    moment = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    events = list(on_iron.events.filter(kind="dose").order_by("due_date")[:3])
    for offset, event in enumerate(events):
        ScheduledEvent.objects.filter(pk=event.pk).update(due_at=moment, due_date=DOSE_DAY, key=f"whim#{offset}")
        Reminder.objects.filter(event=event).update(send_at=moment, next_attempt_at=moment, about_date=DOSE_DAY)
    return events


def test_once_a_provider_keeps_failing_the_rest_of_the_batch_waits_for_the_retry(on_iron, clinic, texts):
    from reminders.outbox import CHANNEL_DOWN_AFTER

    ClinicReminderSettings.objects.filter(clinic=clinic).update(patient_channels="sms")
    moment = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    ScheduledEvent.objects.filter(kind="dose").update(due_at=moment, due_date=DOSE_DAY)
    doses = Reminder.objects.filter(kind="dose", channel="sms")
    doses.update(send_at=moment, next_attempt_at=moment, about_date=DOSE_DAY)
    RecordingSmsBackend.fail_with = TransientError("Twilio 503")
    with at("2026-03-02 08:00Z"):
        send_due_reminders()
    assert len(RecordingSmsBackend.attempts) == CHANNEL_DOWN_AFTER
    waiting = doses.filter(status=ReminderStatus.PENDING)
    assert waiting.count() == doses.count() > CHANNEL_DOWN_AFTER
    assert waiting.filter(last_error__startswith="not tried, the sms provider is failing").exists()


def test_a_worker_whose_lease_runs_out_gives_back_the_rows_it_has_not_tried(three_doses_due_at_once, settings,
                                                                          texts):
    settings.REMINDERS_LEASE_MARGIN_SECONDS = 120
    with at("2026-03-02 08:00Z") as clock:
        RecordingSmsBackend.on_send = lambda message: clock.shift(timedelta(seconds=115))  # a very slow provider
        counts = send_due_reminders()
    assert counts["sent"] == 1 and counts["released"] == 2
    given_back = Reminder.objects.filter(about_date=DOSE_DAY, status=ReminderStatus.PENDING)
    assert given_back.count() == 2 and set(given_back.values_list("attempts", flat=True)) == {0}


def test_what_the_provider_says_about_a_number_applies_to_the_rest_of_the_batch(three_doses_due_at_once, patient):
    RecordingSmsBackend.fail_with = PermanentError("Twilio 400 error 21610", opted_out=True)
    with at("2026-03-02 08:00Z"):
        send_due_reminders()
    assert len(RecordingSmsBackend.attempts) == 1, "one refusal is enough"
    assert list(Reminder.objects.filter(about_date=DOSE_DAY).order_by("status").values_list("status", flat=True)) == [
        "cancelled", "cancelled", "failed"]


def test_a_provisional_dose_gets_no_reminder_until_its_date_is_known(patient, enroll):
    with at("2026-01-05 07:00Z"):
        enrollment = enroll(patient, "b12-then-iron", date(2026, 1, 5))
    iron = enrollment.events.filter(kind="dose", setting="home")
    assert iron.exists() and all(event.provisional for event in iron)
    assert not Reminder.objects.filter(event__in=iron).exists()
