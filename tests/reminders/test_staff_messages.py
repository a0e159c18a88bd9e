"""Clinicians hear about missed and overdue doses; nurses get the morning worklist."""

from datetime import UTC, date, datetime, time

import pytest
import time_machine

from alerts.services import alert_acknowledge, alert_raise
from reminders.models import ClinicReminderSettings, Reminder, ReminderStatus
from reminders.outbox import send_due_reminders
from reminders.services import worklists_plan
from tests.factories import ClinicFactory, StaffFactory

pytestmark = pytest.mark.django_db


def at(text: str):
    return time_machine.travel(text, tick=False)


def raise_alert(patient, code="dose-missed", fingerprint="loading#2"):
    alert, _ = alert_raise(patient=patient, code=code, message="Loading dose 2 was recorded missed: contact the patient",
                           facts={"event": fingerprint}, fingerprint=fingerprint)
    return alert


def test_a_missed_dose_alert_is_emailed_to_every_clinician_of_the_clinic(patient, cara_with_email, second_clinician,
                                                                          nina_with_email, otto, mailoutbox):
    otto.email = "otto@hillside.test"
    otto.save()
    with at("2026-01-07 17:00Z"):
        raise_alert(patient)
        send_due_reminders()
    assert sorted(m.to[0] for m in mailoutbox) == ["cara@riverside.test", "colin@riverside.test"]
    email = mailoutbox[0]
    assert email.subject == "[Riverside Clinic] dose-missed: Pat Jones (MRN R0001)"
    assert "contact the patient" in email.body


def test_a_maintenance_overdue_alert_is_delivered_too_but_other_alerts_are_not(patient, cara_with_email):
    with at("2026-01-07 17:00Z"):
        raise_alert(patient, code="maintenance-overdue", fingerprint="maintenance#1")
        raise_alert(patient, code="mcv-unreliable", fingerprint="x")
    assert list(Reminder.objects.values_list("kind", "alert__code")) == [("alert", "maintenance-overdue")]


def test_the_same_alert_raised_twice_is_delivered_once(patient, cara_with_email, mailoutbox):
    with at("2026-01-07 17:00Z"):
        raise_alert(patient)
        raise_alert(patient)
        send_due_reminders()
    assert len(mailoutbox) == 1


def test_an_alert_acknowledged_before_it_went_out_is_not_sent(patient, cara_with_email, nina, mailoutbox):
    with at("2026-01-07 17:00Z"):
        alert_acknowledge(alert=raise_alert(patient), actor=nina)
        send_due_reminders()
    assert mailoutbox == []
    assert Reminder.objects.get().status_reason == "the alert was acknowledged before it was sent"


def test_a_clinician_without_an_email_address_is_skipped(patient, cara, mailoutbox):
    with at("2026-01-07 17:00Z"):
        raise_alert(patient)
    assert not Reminder.objects.exists()


def test_each_nurse_gets_a_worklist_at_07_00_clinic_time_for_today_and_tomorrow(clinic, nina_with_email, cara):
    with at("2026-03-28 05:00Z"):
        worklists_plan()
        worklists_plan()  # idempotent
    rows = Reminder.objects.filter(kind="worklist").order_by("send_at")
    assert [(r.recipient.username, r.about_date, r.send_at) for r in rows] == [
        ("nina", date(2026, 3, 28), datetime(2026, 3, 28, 7, 0, tzinfo=UTC)),
        ("nina", date(2026, 3, 29), datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),  # 07:00 BST
    ]


def test_the_worklist_lists_todays_injections(clinic, patient, enroll, nina_with_email, mailoutbox):
    with at("2026-01-04 12:00Z"):
        enroll(patient, "b12-im-standard", date(2026, 1, 5))
        worklists_plan()
    with at("2026-01-05 07:00Z"):
        send_due_reminders()
    worklist = next(m for m in mailoutbox if m.to == ["nina@riverside.test"])
    assert worklist.subject == "[Riverside Clinic] Injections Mon 5 Jan: 1"
    assert "Jones, Pat (MRN R0001): hydroxocobalamin 1 mg IM, loading dose 1" in worklist.body


def test_a_clinic_can_move_or_turn_off_the_worklist(clinic, nina_with_email, adam):
    ClinicReminderSettings.for_clinic(clinic)
    ClinicReminderSettings.objects.filter(clinic=clinic).update(worklist_time=time(6, 15))
    other = ClinicFactory(slug="quiet")
    StaffFactory(username="quinn", clinic=other, role="nurse", email="quinn@quiet.test")
    ClinicReminderSettings.for_clinic(other)
    ClinicReminderSettings.objects.filter(clinic=other).update(worklist_enabled=False)
    with at("2026-01-05 05:00Z"):
        worklists_plan()
    assert set(Reminder.objects.values_list("recipient__username", "send_at")) == {
        ("nina", datetime(2026, 1, 5, 6, 15, tzinfo=UTC)), ("nina", datetime(2026, 1, 6, 6, 15, tzinfo=UTC))}


def test_a_worklist_still_goes_out_late_after_an_outage(clinic, nina_with_email, mailoutbox):
    with at("2026-01-05 05:00Z"):
        worklists_plan()
    with at("2026-01-05 10:00Z"):
        send_due_reminders()
    assert Reminder.objects.get(about_date=date(2026, 1, 5)).status == ReminderStatus.SENT
