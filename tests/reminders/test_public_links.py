"""What a patient can do without logging in: confirm a dose, unsubscribe, reply STOP, subscribe a calendar."""

from datetime import date

import icalendar
import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from patients.models import Administration
from reminders.channels.twilio import twilio_signature
from reminders.links import taken_url, unsubscribe_url
from reminders.models import OptOut, PatientReminderPreferences, Reminder, ReminderStatus
from reminders.outbox import send_due_reminders
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def at(text: str):
    return time_machine.travel(text, tick=False)


def path_of(url: str) -> str:
    return url.removeprefix("https://clinic.test")


@pytest.fixture
def dose_reminder(patient, enroll):
    """Pat's text for the 08:00 dose of Monday 2 March 2026, sent."""
    with at("2026-03-01 06:00Z"):
        enroll(patient, "iron-oral-daily", date(2026, 3, 2))
    with at("2026-03-02 08:00Z"):
        send_due_reminders()
    return Reminder.objects.get(about_date=date(2026, 3, 2), channel="sms")


@pytest.fixture
def taken_link(dose_reminder):
    with at("2026-03-02 08:00Z"):
        return path_of(taken_url(dose_reminder.pk))


def test_opening_the_taken_link_asks_first_and_records_nothing(taken_link, client):
    with at("2026-03-02 08:05Z"):
        page = client.get(taken_link)
    assert page.status_code == 200 and b"Yes, I have taken it" in page.content
    assert not Administration.objects.exists()


def test_tapping_taken_records_a_self_reported_dose_without_a_login(taken_link, dose_reminder, client):
    with at("2026-03-02 08:07Z"):
        page = client.post(taken_link)
    assert page.status_code == 200 and b"Your dose is recorded" in page.content
    record = Administration.objects.get()
    assert record.event_id == dose_reminder.event_id and record.outcome == "given"
    assert record.source == "patient" and record.recorded_by is None
    assert record.occurred_on == date(2026, 3, 2)
    dose_reminder.refresh_from_db()
    assert dose_reminder.link_used_at is not None


def test_a_taken_link_works_once(taken_link, client):
    with at("2026-03-02 08:07Z"):
        client.post(taken_link)
        again = client.post(taken_link)
    assert again.status_code == 409 and b"already recorded" in again.content
    assert Administration.objects.count() == 1


def test_the_other_channels_link_for_the_same_dose_says_it_is_already_recorded(taken_link, patient, client):
    email_row = Reminder.objects.get(about_date=date(2026, 3, 2), channel="email")
    with at("2026-03-02 08:07Z"):
        client.post(taken_link)
        other = client.post(path_of(taken_url(email_row.pk)))
    assert other.status_code == 409 and b"already recorded" in other.content
    assert Administration.objects.count() == 1


def test_a_taken_link_expires_after_a_day(taken_link, client):
    with at("2026-03-03 08:01Z"):
        page = client.post(taken_link)
    assert page.status_code == 410 and not Administration.objects.exists()


def test_a_tampered_taken_link_is_refused(taken_link, client):
    with at("2026-03-02 08:07Z"):
        page = client.post(taken_link.replace("/taken/", "/taken/x"))
    assert page.status_code == 404 and not Administration.objects.exists()


def test_unsubscribing_asks_first_then_records_the_opt_out_with_time_and_channel(patient, dose_reminder, client):
    link = path_of(unsubscribe_url(patient.pk, "email"))
    assert b"Stop reminder emails" in client.get(link).content
    assert not OptOut.objects.exists()
    with at("2026-03-02 09:00Z"):
        page = client.post(link)
    assert page.status_code == 200 and b"unsubscribed" in page.content
    opt_out = OptOut.objects.get()
    assert (opt_out.channel, opt_out.via, opt_out.detail) == ("email", "link", patient.email)
    assert opt_out.created_at.isoformat() == "2026-03-02T09:00:00+00:00"
    assert not Reminder.objects.filter(channel="email", status=ReminderStatus.PENDING).exists()
    assert Reminder.objects.filter(channel="sms", status=ReminderStatus.PENDING).exists()


def test_a_mail_clients_one_click_unsubscribe_works_without_a_csrf_token(patient, dose_reminder):
    strict = Client(enforce_csrf_checks=True)
    page = strict.post(path_of(unsubscribe_url(patient.pk, "email")), {"List-Unsubscribe": "One-Click"})
    assert page.status_code == 200 and OptOut.objects.filter(channel="email").exists()


def test_the_patient_can_turn_reminders_back_on_from_the_same_page(patient, dose_reminder, client):
    link = path_of(unsubscribe_url(patient.pk, "email"))
    with at("2026-03-02 09:00Z"):
        client.post(link)
        client.post(link, {"action": "resubscribe"})
        assert Reminder.objects.filter(channel="email", status=ReminderStatus.PENDING).exists()
    assert OptOut.objects.get().ended_at is not None


def test_an_altered_unsubscribe_link_changes_nothing(patient, client):
    link = path_of(unsubscribe_url(patient.pk, "email"))
    assert client.post(link[:-3] + "abc/").status_code == 404
    assert not OptOut.objects.exists()


def sms_reply(client, body, sender="+447700900123", secret="webhook-secret"):
    return client.post("/r/sms/inbound/", {"From": sender, "Body": body}, HTTP_X_WEBHOOK_SECRET=secret)


def test_replying_stop_opts_every_patient_with_that_number_out_of_texts(patient, clinic, dose_reminder, client):
    sibling = PatientFactory(clinic=clinic, phone=patient.phone)
    stranger = PatientFactory(clinic=clinic, phone="+447700900555")
    with at("2026-03-02 09:00Z"):
        assert sms_reply(client, " stop ").status_code == 204
    assert set(OptOut.objects.values_list("patient", "channel", "via")) == {
        (patient.pk, "sms", "sms-reply"), (sibling.pk, "sms", "sms-reply")}
    assert not OptOut.objects.filter(patient=stranger).exists()
    assert not Reminder.objects.filter(channel="sms", status=ReminderStatus.PENDING).exists()


def test_replying_start_turns_texts_back_on(patient, dose_reminder, client):
    with at("2026-03-02 09:00Z"):
        sms_reply(client, "STOP")
        sms_reply(client, "Start")
        assert Reminder.objects.filter(channel="sms", status=ReminderStatus.PENDING).exists()
    assert OptOut.objects.get().ended_via == "sms-reply"


def test_other_replies_change_nothing(patient, dose_reminder, client):
    assert sms_reply(client, "thanks, see you tomorrow").status_code == 204
    assert not OptOut.objects.exists()


def test_a_forged_webhook_call_is_refused(patient, client):
    assert sms_reply(client, "STOP", secret="guess").status_code == 403
    assert not OptOut.objects.exists()


def test_a_twilio_stop_is_accepted_only_with_twilios_signature(patient, client, settings):
    settings.REMINDERS_SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC123", "secret-token"
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    params = {"From": patient.phone, "Body": "STOP", "MessageSid": "SM1"}
    forged = client.post("/r/sms/inbound/", params, HTTP_X_TWILIO_SIGNATURE="bm9wZQ==")
    assert forged.status_code == 403 and not OptOut.objects.exists()
    signature = twilio_signature("secret-token", "https://clinic.test/r/sms/inbound/", params)
    signed = client.post("/r/sms/inbound/", params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert signed.status_code == 200 and signed["Content-Type"] == "text/xml"
    assert OptOut.objects.get(patient=patient).via == "sms-reply"


def delivery_report(client, reference, status, code="", secret="webhook-secret"):
    return client.post("/r/sms/status/", {"MessageSid": reference, "MessageStatus": status, "ErrorCode": code},
                       HTTP_X_WEBHOOK_SECRET=secret)


def test_a_text_reported_undeliverable_to_a_landline_fails_and_flags_the_number(dose_reminder, patient, client):
    from alerts.models import Alert

    assert dose_reminder.sent_to == "+447700900123"
    assert delivery_report(client, dose_reminder.provider_ref, "undelivered", "30006").status_code == 204
    dose_reminder.refresh_from_db()
    assert dose_reminder.status == ReminderStatus.FAILED
    assert dose_reminder.status_reason == "the provider reported the text undelivered (error 30006)"
    assert PatientReminderPreferences.objects.get(patient=patient).undeliverable["sms"]["to"] == "+447700900123"
    assert Alert.objects.filter(code="reminder-undeliverable", patient=patient).exists()
    assert not Reminder.objects.filter(channel="sms", status=ReminderStatus.PENDING).exists()


def test_a_text_the_phone_could_not_take_today_fails_without_flagging_the_number(dose_reminder, patient, client):
    delivery_report(client, dose_reminder.provider_ref, "undelivered", "30003")  # handset off
    dose_reminder.refresh_from_db()
    assert dose_reminder.status == ReminderStatus.FAILED
    assert "sms" not in PatientReminderPreferences.objects.get(patient=patient).undeliverable


def test_a_delivered_report_or_a_forged_one_changes_nothing(dose_reminder, client):
    assert delivery_report(client, dose_reminder.provider_ref, "delivered").status_code == 204
    assert delivery_report(client, dose_reminder.provider_ref, "failed", "30006", secret="x").status_code == 403
    dose_reminder.refresh_from_db()
    assert dose_reminder.status == ReminderStatus.SENT


@pytest.fixture
def calendar_link(patient, enroll):
    with at("2026-01-05 07:00Z"):
        enroll(patient, "b12-and-iron-concurrent", date(2026, 1, 5))
    return f"/r/calendar/{PatientReminderPreferences.objects.get(patient=patient).calendar_token}.ics"


def test_the_calendar_feed_lists_upcoming_doses_and_tests_privately(calendar_link, client):
    with at("2026-01-06 12:00Z"):
        response = client.get(calendar_link)
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    entries = calendar.walk("VEVENT")
    summaries = {str(e["SUMMARY"]) for e in entries}
    assert summaries == {"Today's dose", "Appointment at Riverside Clinic", "Blood test due",
                         "Blood test due (to be confirmed)"}  # dated from a dose not yet given
    tentative = [e for e in entries if str(e["SUMMARY"]).endswith("(to be confirmed)")]
    assert all(str(e["STATUS"]) == "TENTATIVE" for e in tentative)
    assert all(str(e["UID"]).endswith("@clinic.test") for e in entries)
    doses = [e for e in entries if str(e["SUMMARY"]) == "Today's dose"]
    assert doses[0].decoded("DTSTART").isoformat() == "2026-01-06T08:00:00+00:00", "today's, not yesterday's"
    appointment = next(e for e in entries if str(e["SUMMARY"]).startswith("Appointment"))
    assert appointment.decoded("DTSTART") == date(2026, 1, 7)
    assert not any(word in response.content.decode().lower() for word in ("ferrous", "b12", "hydroxocobalamin"))


def test_the_calendar_names_drugs_and_tests_when_the_clinic_opted_in(calendar_link, client, clinic):
    clinic.reminder_details_opt_in = True
    clinic.save()
    with at("2026-01-06 12:00Z"):
        calendar = icalendar.Calendar.from_ical(client.get(calendar_link).content)
    summaries = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    assert {"Take ferrous sulfate tablet", "Vitamin B12 injection (hydroxocobalamin) at Riverside Clinic"} <= summaries


def test_an_unknown_calendar_token_is_not_found(client, db):
    assert client.get("/r/calendar/not-a-token.ics").status_code == 404


def test_a_taken_link_for_a_dose_the_clinic_already_recorded_says_so_plainly(taken_link, dose_reminder, cara, client):
    from patients.services import administration_record

    with at("2026-03-02 08:03Z"):
        administration_record(actor=cara, event=dose_reminder.event, outcome="missed",
                              occurred_at=timezone.now())
    with at("2026-03-02 08:07Z"):
        page = client.post(taken_link)
    assert page.status_code == 409 and b"has already recorded this dose" in page.content
    assert Administration.objects.get().source == "staff"


def test_a_taken_link_for_a_dose_a_week_ahead_records_nothing(dose_reminder, client):
    later = Reminder.objects.get(about_date=date(2026, 3, 9), channel="sms")
    with at("2026-03-02 08:05Z"):
        response = client.post(path_of(taken_url(later.pk)))
    assert response.status_code == 409 and b"due on Monday 9 March" in response.content
    assert not Administration.objects.exists()


def test_a_blood_test_on_one_day_is_written_on_that_day_not_between_it_and_itself(calendar_link, patient, client):
    from patients.models import ScheduledEvent

    lab = ScheduledEvent.objects.filter(enrollment__patient=patient, kind="lab", status="planned",
                                        provisional=False, due_date__gt=date(2026, 1, 6)).order_by("due_date").first()
    ScheduledEvent.objects.filter(pk=lab.pk).update(window_start=lab.due_date, window_end=lab.due_date)
    with at("2026-01-06 12:00Z"):
        calendar = icalendar.Calendar.from_ical(client.get(calendar_link).content)
    descriptions = [str(e["DESCRIPTION"]) for e in calendar.walk("VEVENT") if "Blood test" in str(e["SUMMARY"])]
    day = f"{lab.due_date:%A} {lab.due_date.day} {lab.due_date:%B}"
    assert f"On {day}. Please book it with Riverside Clinic." in descriptions
    assert not any(f"between {day} and {day}" in d for d in descriptions)
