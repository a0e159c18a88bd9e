"""The public pages and the calendar feed speak the patient's language; a broken link, the browser's."""

from datetime import date

import icalendar
import pytest
import time_machine

from patients.models import Administration, ScheduledEvent
from reminders.language import day_label, in_language
from reminders.links import taken_url, unsubscribe_url
from reminders.models import OptOut, PatientReminderPreferences, Reminder
from reminders.outbox import send_due_reminders

pytestmark = pytest.mark.django_db


def at(text: str):
    return time_machine.travel(text, tick=False)


def path_of(url: str) -> str:
    return url.removeprefix("https://clinic.test")


def page_text(response) -> str:
    return response.content.decode()


@pytest.fixture
def speaking(patient):
    def speaking(language: str):
        patient.language = language
        patient.save()
        return patient
    return speaking


@pytest.fixture
def dose_reminder(patient, enroll):
    """Pat's text for the 08:00 dose of Monday 2 March 2026, sent."""
    with at("2026-03-01 06:00Z"):
        enroll(patient, "iron-oral-daily", date(2026, 3, 2))
    with at("2026-03-02 08:00Z"):
        send_due_reminders()
    return Reminder.objects.get(about_date=date(2026, 3, 2), channel="sms")


@pytest.mark.parametrize(("language", "question", "button", "thanks"), [
    ("es", "¿Ha tomado la dosis de hoy?", "Sí, la he tomado", "Su dosis ha quedado registrada. Riverside Clinic ya puede verla."),
    ("pl", "Czy dzisiejsza dawka została przyjęta?", "Tak, dawka przyjęta",
     "Dawka została zapisana. Przychodnia Riverside Clinic już to widzi."),
])
def test_the_taken_page_asks_and_thanks_in_the_patients_language_and_records_the_dose(
        language, question, button, thanks, speaking, dose_reminder, client):
    speaking(language)
    link = path_of(taken_url(dose_reminder.pk))
    with at("2026-03-02 08:05Z"):
        asked = client.get(link)
    assert asked.status_code == 200 and question in page_text(asked) and button in page_text(asked)
    assert f'<html lang="{language}">' in page_text(asked)
    with at("2026-03-02 08:07Z"):
        done = client.post(link)
        again = client.post(link)
    assert done.status_code == 200 and thanks in page_text(done)
    record = Administration.objects.get()
    assert (record.event_id, record.outcome, record.source) == (dose_reminder.event_id, "given", "patient")
    assert again.status_code == 409 and {"es": "ya estaba registrada", "pl": "jest już zapisana"}[language] in \
        page_text(again)


def test_an_expired_taken_link_says_so_in_the_patients_language(speaking, dose_reminder, client):
    speaking("pl")
    with at("2026-03-02 08:00Z"):
        link = path_of(taken_url(dose_reminder.pk))
    with at("2026-03-03 08:01Z"):
        page = client.post(link)
    assert page.status_code == 410 and "Ten link wygasł" in page_text(page)
    assert not Administration.objects.exists()


def test_a_broken_link_answers_in_the_language_the_browser_asks_for_or_english(client, db):
    spanish = client.get("/r/taken/not-a-token/", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9,en;q=0.5")
    assert spanish.status_code == 404 and "Este enlace no es válido" in page_text(spanish)
    unknown = client.get("/r/unsubscribe/not-a-token/", HTTP_ACCEPT_LANGUAGE="ja")
    assert unknown.status_code == 404 and "This link is not valid" in page_text(unknown)


def test_a_taken_link_whose_reminder_is_gone_says_plainly_that_it_is_not_valid(client, db):
    with at("2026-03-02 08:00Z"):
        link = path_of(taken_url(987654))
        page = client.get(link, HTTP_ACCEPT_LANGUAGE="pl")
    assert page.status_code == 404 and "Ten link jest nieprawidłowy" in page_text(page)


@pytest.mark.parametrize(("language", "channel", "question", "done", "back_on"), [
    ("es", "email", "¿Dejar de recibir recordatorios por correo electrónico?", "Se ha dado de baja",
     "Volverá a recibir recordatorios por correo electrónico."),
    ("es", "sms", "¿Dejar de recibir recordatorios por SMS?", "No recibirá más recordatorios por SMS.",
     "Volverá a recibir recordatorios por SMS."),
    ("pl", "email", "Wyłączyć przypomnienia e-mailem?", "Przypomnienia e-mailem są wyłączone.",
     "Przypomnienia e-mailem znów będą wysyłane."),
    ("pl", "all", "Wyłączyć wszystkie przypomnienia?", "Wszystkie przypomnienia są wyłączone.",
     "Przypomnienia znów będą wysyłane."),
])
def test_the_unsubscribe_page_and_its_answers_are_in_the_patients_language(language, channel, question, done,
                                                                          back_on, speaking, client):
    patient = speaking(language)
    link = path_of(unsubscribe_url(patient.pk, channel))
    asked = client.get(link)
    assert question in page_text(asked)
    unsubscribed = client.post(link)
    assert done in page_text(unsubscribed) and OptOut.objects.get(channel=channel).ended_at is None
    resubscribed = client.post(link, {"action": "resubscribe"})
    assert back_on in page_text(resubscribed) and OptOut.objects.get(channel=channel).ended_at is not None


def test_a_patient_without_a_language_gets_the_clinics_pages(patient, clinic, client):
    clinic.language = "es"
    clinic.save()
    page = client.get(path_of(unsubscribe_url(patient.pk, "sms")))
    assert "¿Dejar de recibir recordatorios por SMS?" in page_text(page)


@pytest.fixture
def calendar_link(patient, enroll):
    with at("2026-01-05 07:00Z"):
        enroll(patient, "b12-and-iron-concurrent", date(2026, 1, 5))
    return f"/r/calendar/{PatientReminderPreferences.objects.get(patient=patient).calendar_token}.ics"


def calendar_entries(client, link):
    with at("2026-01-06 12:00Z"):
        response = client.get(link)
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.content).walk("VEVENT")


@pytest.mark.parametrize(("language", "titles", "description"), [
    ("es", {"Dosis de hoy", "Cita en Riverside Clinic", "Análisis de sangre pendiente",
            "Análisis de sangre pendiente (por confirmar)"},
     "Cualquier día entre el {start} y el {end}. Pida cita en Riverside Clinic."),
    ("pl", {"Dzisiejsza dawka", "Wizyta w przychodni Riverside Clinic", "Termin badania krwi",
            "Termin badania krwi (do potwierdzenia)"},
     "Dowolny dzień w terminie: {start} – {end}. Prosimy umówić się w przychodni Riverside Clinic."),
])
def test_the_calendar_feed_is_in_the_patients_language(language, titles, description, speaking, calendar_link,
                                                       client):
    patient = speaking(language)
    entries = calendar_entries(client, calendar_link)
    assert {str(e["SUMMARY"]) for e in entries} == titles
    lab_title = {"es": "Análisis de sangre pendiente", "pl": "Termin badania krwi"}[language]
    lab = next(e for e in entries if str(e["SUMMARY"]) == lab_title)
    event = ScheduledEvent.objects.get(patient=patient, pk=str(lab["UID"]).split("@")[0].removeprefix("event-"))
    assert event.kind == "lab"
    with in_language(language):
        expected = description.format(start=day_label(event.window_start), end=day_label(event.window_end))
    assert str(lab["DESCRIPTION"]) == expected


def test_the_calendar_names_translated_drugs_when_the_clinic_opted_in(speaking, calendar_link, clinic, client):
    speaking("es")
    clinic.reminder_details_opt_in = True
    clinic.save()
    summaries = {str(e["SUMMARY"]) for e in calendar_entries(client, calendar_link)}
    assert {"Tomar comprimido de sulfato ferroso",
            "Inyección de vitamina B12 (hidroxocobalamina) en Riverside Clinic"} <= summaries
