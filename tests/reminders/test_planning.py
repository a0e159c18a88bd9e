"""Reminder rows follow the plan, in the same transaction as the change that moves it."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction

from patients.models import EnrollmentStatus, ScheduledEvent
from patients.services import administration_record, patient_update
from reminders.models import ClinicReminderSettings, OptOut, Reminder, ReminderKind, ReminderStatus
from reminders.services import (
    opt_out_end,
    opt_out_record,
    patient_reminder_preferences_update,
    reminders_sync_enrollment,
)

pytestmark = pytest.mark.django_db


def pending(patient, **filters):
    return Reminder.objects.filter(patient=patient, status=ReminderStatus.PENDING, **filters)


@time_machine.travel("2026-03-01 06:00Z", tick=False)
def test_enrolling_in_daily_iron_plans_a_reminder_at_each_dose_time_on_each_channel(patient, enroll):
    enrollment = enroll(patient, "iron-oral-daily", date(2026, 3, 1))
    doses = enrollment.events.filter(kind="dose", status="planned")
    rows = pending(patient, kind=ReminderKind.DOSE)
    assert rows.count() == 2 * doses.count()
    assert set(rows.values_list("channel", flat=True)) == {"email", "sms"}
    first = rows.filter(channel="sms").order_by("send_at").first()
    assert first.send_at == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert first.next_attempt_at == first.send_at
    # the first Sunday of British summer time: 08:00 local is 07:00 UTC (PROTOCOLS.md section 2)
    assert rows.filter(about_date=date(2026, 3, 29)).first().send_at == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)


@time_machine.travel("2026-01-05 07:00Z", tick=False)
def test_b12_loading_doses_get_an_appointment_reminder_the_evening_before(patient, enroll):
    enroll(patient, "b12-im-standard", date(2026, 1, 5))
    rows = pending(patient, kind=ReminderKind.APPOINTMENT, channel="sms").order_by("send_at")
    assert [r.about_date for r in rows[:3]] == [date(2026, 1, 5), date(2026, 1, 7), date(2026, 1, 9)]
    # Today's reminder time (yesterday 18:00) had passed: it catches up when quiet hours end, before 09:00.
    assert rows[0].send_at == datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    assert rows[1].send_at == datetime(2026, 1, 6, 18, 0, tzinfo=UTC)


@time_machine.travel("2026-01-05 10:00Z", tick=False)
def test_an_appointment_already_under_way_gets_no_reminder(patient, enroll):
    enroll(patient, "b12-im-standard", date(2026, 1, 5))
    assert not pending(patient, kind="appointment", about_date=date(2026, 1, 5)).exists()
    assert pending(patient, kind="lab", about_date=date(2026, 1, 5)).exists(), "the baseline bloods are still due"


@time_machine.travel("2026-01-05 07:00Z", tick=False)
def test_blood_tests_get_a_reminder_at_09_00_when_their_window_opens(patient, enroll):
    enrollment = enroll(patient, "iron-oral-daily", date(2026, 1, 5))
    lab = enrollment.events.filter(kind="lab", status="planned", window_start__gt=date(2026, 1, 5)).first()
    row = pending(patient, kind=ReminderKind.LAB, event=lab, channel="email").get()
    assert row.send_at == datetime.combine(lab.window_start, time(9, 0), tzinfo=UTC)  # GMT in January


@time_machine.travel("2026-01-05 07:00Z", tick=False)
def test_a_blood_test_dated_from_a_dose_not_yet_given_is_reminded_once_the_dose_is_recorded(patient, enroll, cara):
    enrollment = enroll(patient, "b12-im-standard", date(2026, 1, 5))
    retics = enrollment.events.get(kind="lab", code="reticulocytes")
    assert retics.provisional and not pending(patient, event=retics).exists()
    with time_machine.travel("2026-01-05 10:00Z", tick=False):
        administration_record(actor=cara, event=enrollment.events.get(key="loading#1"), outcome="given",
                              occurred_at=datetime(2026, 1, 5, 10, 0, tzinfo=UTC), dose_mg=1, route="IM",
                              site="deltoid-left", lot_number="L1")
    retics.refresh_from_db()
    assert not retics.provisional
    assert pending(patient, event=retics).count() == 2


@time_machine.travel("2026-01-05 09:00Z", tick=False)
def test_a_missed_loading_dose_cancels_its_reminder_and_the_extra_dose_gets_one(patient, enroll, cara):
    enrollment = enroll(patient, "b12-im-standard", date(2026, 1, 5))
    wednesday = enrollment.events.get(key="loading#2")
    assert pending(patient, event=wednesday).count() == 2
    with time_machine.travel("2026-01-07 17:00Z", tick=False):
        administration_record(actor=cara, event=wednesday, outcome="missed",
                              occurred_at=datetime(2026, 1, 7, 17, 0, tzinfo=UTC))
    assert not pending(patient, event=wednesday).exists()
    assert set(Reminder.objects.filter(event=wednesday).values_list("status_reason", flat=True)) == {
        "no longer needed: the plan changed"}
    seventh = enrollment.events.get(key="loading#7")
    assert seventh.due_date == date(2026, 1, 19)
    assert pending(patient, event=seventh, kind="appointment").count() == 2


@time_machine.travel("2026-03-01 06:00Z", tick=False)
def test_a_new_dose_time_moves_the_pending_reminders_in_place(patient, enroll, cara):
    enroll(patient, "iron-oral-daily", date(2026, 3, 1))
    before = {r.pk: r.event_id for r in pending(patient, channel="sms", kind="dose")}
    patient_update(actor=cara, patient=patient, preferred_dose_time=time(19, 30))
    after = pending(patient, channel="sms", kind="dose")
    assert {r.pk: r.event_id for r in after} == before, "the same rows, moved"
    assert {r.send_at.astimezone(patient.zone).time() for r in after} == {time(19, 30)}


@time_machine.travel("2026-03-01 06:00Z", tick=False)
def test_syncing_again_changes_nothing(patient, enroll, django_assert_max_num_queries):
    enrollment = enroll(patient, "iron-oral-daily", date(2026, 3, 1))
    snapshot = list(Reminder.objects.order_by("pk").values_list("pk", "send_at", "status", "updated_at"))
    with django_assert_max_num_queries(8):
        reminders_sync_enrollment(enrollment)
    assert list(Reminder.objects.order_by("pk").values_list("pk", "send_at", "status", "updated_at")) == snapshot


@time_machine.travel("2026-03-01 06:00Z", tick=False)
def test_there_is_never_a_second_live_reminder_for_the_same_event_kind_and_channel(patient, enroll):
    enroll(patient, "iron-oral-daily", date(2026, 3, 1))
    row = pending(patient, channel="sms").first()
    twin = Reminder(clinic_id=row.clinic_id, kind=row.kind, channel=row.channel, patient=patient, event=row.event,
                    about_date=row.about_date, key=row.key + ":twin", send_at=row.send_at)
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


@time_machine.travel("2026-03-10 12:00Z", tick=False)
def test_doses_whose_time_has_passed_get_no_reminder(patient, enroll):
    enroll(patient, "iron-oral-daily", date(2026, 3, 1))
    assert not Reminder.objects.filter(about_date__lte=date(2026, 3, 10)).exists()
    assert pending(patient).order_by("send_at").first().about_date == date(2026, 3, 11)


@time_machine.travel("2026-03-01 06:00Z", tick=False)
def test_an_opt_out_is_recorded_with_its_time_and_channel_and_cancels_at_once(patient, enroll):
    enroll(patient, "iron-oral-daily", date(2026, 3, 1))
    opt_out, created = opt_out_record(patient=patient, channel="sms", via="sms-reply", detail="+447700900123")
    assert created and opt_out.channel == "sms" and opt_out.created_at == datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
    assert not pending(patient, channel="sms").exists()
    assert pending(patient, channel="email").exists()
    assert Reminder.objects.filter(channel="sms", status_reason="the patient opted out of sms").exists()
    assert opt_out_record(patient=patient, channel="sms", via="link")[1] is False, "opting out twice is one record"


@time_machine.travel("2026-03-01 06:00Z", tick=False)
def test_opting_back_in_brings_the_future_reminders_back(patient, enroll):
    enroll(patient, "iron-oral-daily", date(2026, 3, 1))
    count = pending(patient, channel="sms").count()
    opt_out_record(patient=patient, channel="all", via="staff")
    assert not pending(patient).exists()
    opt_out_end(patient=patient, channel="sms", via="sms-reply")
    assert pending(patient, channel="sms").count() == count
    assert OptOut.objects.get(patient=patient).ended_via == "sms-reply"


@time_machine.travel("2026-03-01 06:00Z", tick=False)
def test_a_patient_who_turns_reminders_off_gets_none(patient, enroll, cara):
    enroll(patient, "iron-oral-daily", date(2026, 3, 1))
    patient_update(actor=cara, patient=patient, reminders_opt_in=False)
    assert not pending(patient).exists()
    assert Reminder.objects.filter(status_reason="the patient does not want reminders").exists()


@time_machine.travel("2026-03-01 06:00Z", tick=False)
def test_a_patient_without_a_mobile_number_gets_emails_only(patient, enroll, cara):
    patient_update(actor=cara, patient=patient, phone="")
    enroll(patient, "iron-oral-daily", date(2026, 3, 1))
    assert set(pending(patient).values_list("channel", flat=True)) == {"email"}


@time_machine.travel("2026-03-01 06:00Z", tick=False)
def test_the_patients_own_channels_override_the_clinics(patient, enroll, clinic):
    ClinicReminderSettings.objects.update_or_create(clinic=clinic, defaults={"patient_channels": "email"})
    enroll(patient, "iron-oral-daily", date(2026, 3, 1))
    assert set(pending(patient).values_list("channel", flat=True)) == {"email"}
    patient_reminder_preferences_update(patient=patient, channels=["sms"])
    assert set(pending(patient).values_list("channel", flat=True)) == {"sms"}


@time_machine.travel("2026-01-05 07:00Z", tick=False)
def test_the_patients_own_reminder_time_is_used_for_appointments(patient, enroll):
    patient_reminder_preferences_update(patient=patient, reminder_time=time(22, 15))
    enroll(patient, "b12-im-standard", date(2026, 1, 5))
    row = pending(patient, kind="appointment", about_date=date(2026, 1, 7), channel="sms").get()
    assert row.send_at == datetime(2026, 1, 6, 22, 15, tzinfo=UTC), "chosen by the patient: quiet hours do not apply"


@time_machine.travel("2026-03-01 06:00Z", tick=False)
def test_ending_an_enrollment_cancels_its_reminders(patient, enroll):
    enrollment = enroll(patient, "iron-oral-daily", date(2026, 3, 1))
    enrollment.status = EnrollmentStatus.ENDED
    enrollment.save()
    assert not pending(patient).exists()
    assert Reminder.objects.filter(status_reason="the enrollment ended").exists()


@time_machine.travel("2026-03-01 06:00Z", tick=False)
def test_a_reminder_already_sent_is_left_alone_when_its_dose_moves(patient, enroll, cara):
    enroll(patient, "iron-oral-daily", date(2026, 3, 1))
    sent = pending(patient, channel="sms").order_by("send_at").first()
    Reminder.objects.filter(pk=sent.pk).update(status=ReminderStatus.SENT, next_attempt_at=None)
    patient_update(actor=cara, patient=patient, preferred_dose_time=time(20, 0))
    sent.refresh_from_db()
    assert sent.status == ReminderStatus.SENT and sent.send_at == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert not pending(patient, event_id=sent.event_id, channel="sms").exists(), "one reminder per dose and day"


@time_machine.travel("2026-03-01 06:00Z", tick=False)
def test_an_event_moved_to_another_day_after_its_reminder_was_sent_is_reminded_again(patient, enroll):
    enrollment = enroll(patient, "b12-im-standard", date(2026, 3, 2))
    event = enrollment.events.get(key="loading#2")
    row = pending(patient, event=event, channel="sms").get()
    Reminder.objects.filter(pk=row.pk).update(status=ReminderStatus.SENT, next_attempt_at=None)
    ScheduledEvent.objects.filter(pk=event.pk).update(due_date=event.due_date + timedelta(days=2))
    reminders_sync_enrollment(enrollment)
    again = pending(patient, event=event, channel="sms").get()
    assert again.pk != row.pk and again.about_date == event.due_date + timedelta(days=2)


@time_machine.travel("2026-01-05 07:00Z", tick=False)
def test_a_reminder_quiet_hours_would_push_past_the_appointment_is_recorded_as_skipped(patient, enroll, clinic):
    ClinicReminderSettings.objects.update_or_create(clinic=clinic, defaults={
        "appointment_reminder_time": time(22, 30), "appointments_start_at": time(7, 30)})
    enrollment = enroll(patient, "b12-im-standard", date(2026, 1, 5))
    row = Reminder.objects.get(kind="appointment", about_date=date(2026, 1, 7), channel="sms")
    assert row.status == ReminderStatus.SKIPPED and row.status_reason.startswith("quiet hours")
    before = list(Reminder.objects.order_by("pk").values_list("pk", "status", "updated_at"))
    with time_machine.travel("2026-01-05 07:05Z", tick=False):
        reminders_sync_enrollment(enrollment)
    assert list(Reminder.objects.order_by("pk").values_list("pk", "status", "updated_at")) == before, "no rewrites"


@time_machine.travel("2026-03-02 12:00Z", tick=False)
def test_in_new_york_the_evening_before_stays_18_00_local_across_the_dst_change(other_clinic, otto):
    from patients.services import enrollment_create
    from tests.factories import PatientFactory

    other_clinic.planning_horizon_months = 2
    other_clinic.save()
    patient = PatientFactory(clinic=other_clinic, mrn="H0001", phone="+12125550123")
    enrollment_create(actor=otto, patient=patient, protocol="b12-im-standard", start_date=date(2026, 3, 2))
    sms = {r.about_date: r.send_at for r in pending(patient, kind="appointment", channel="sms")}
    assert sms[date(2026, 3, 6)] == datetime(2026, 3, 5, 23, 0, tzinfo=UTC)  # Thu 18:00 EST (UTC-5)
    assert sms[date(2026, 3, 9)] == datetime(2026, 3, 8, 22, 0, tzinfo=UTC)  # Sun 8 March: 18:00 EDT (UTC-4)


@time_machine.travel("2026-03-01 06:00Z", tick=False)
def test_a_landline_gets_no_texts_but_its_email_reminders_go_on(patient, enroll, cara):
    patient_update(actor=cara, patient=patient, phone="020 7946 0018")
    enroll(patient, "iron-oral-daily", date(2026, 3, 1))
    assert pending(patient, kind=ReminderKind.DOSE, channel="email").exists()
    assert not pending(patient, channel="sms").exists()


@time_machine.travel("2026-03-01 06:00Z", tick=False)
def test_a_text_due_when_the_number_became_a_landline_is_skipped_as_a_contact_problem(patient, enroll, cara):
    from reminders.outbox import send_due_reminders

    enroll(patient, "iron-oral-daily", date(2026, 3, 1))
    row = pending(patient, kind=ReminderKind.DOSE, channel="sms").order_by("send_at").first()
    type(patient).objects.filter(pk=patient.pk).update(phone_kind="landline")  # as if classified after planning
    with time_machine.travel(row.send_at, tick=False):
        send_due_reminders()
    row.refresh_from_db()
    assert (row.status, row.status_reason) == (ReminderStatus.SKIPPED, "the phone number is a landline: it cannot receive texts")
