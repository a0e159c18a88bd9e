"""Every patient message in the patient's language (or the clinic's); staff messages stay English."""

from datetime import date, datetime

import pytest
import time_machine
from django.utils import translation

from alerts.services import alert_raise
from reminders.language import day_label, in_language, time_label
from reminders.messages import patient_text
from reminders.outbox import send_due_reminders
from reminders.sms_segments import segments
from tests.factories import PatientFactory

from .in_memory import a_reminder

LINK = "https://clinic.test/r/taken/"


@pytest.mark.parametrize(("language", "monday", "wednesday"), [
    ("en", "Monday 5 January", "Wednesday 30 September"),
    ("es", "lunes 5 de enero", "miércoles 30 de septiembre"),
    ("pl", "poniedziałek 5 stycznia", "środa 30 września"),
])
def test_a_date_is_written_as_the_language_writes_it(language, monday, wednesday):
    with in_language(language):
        assert day_label(date(2026, 1, 5)) == monday
        assert day_label(date(2026, 9, 30)) == wednesday


@pytest.mark.parametrize(("language", "morning", "evening"), [("en", "08:05", "18:30"), ("es", "8:05", "18:30"),
                                                              ("pl", "08:05", "18:30")])
def test_a_time_is_written_on_the_24_hour_clock_as_the_language_writes_it(language, morning, evening):
    with in_language(language):
        assert time_label(datetime(2026, 1, 5, 8, 5)) == morning
        assert time_label(datetime(2026, 1, 5, 18, 30)) == evening


SMS = {
    ("en", "dose"): ("Riverside Clinic: time for today's dose. Taken it? Tap " + LINK, "Reply STOP to opt out."),
    ("es", "dose"): ("Riverside Clinic: es hora de su dosis de hoy. ¿Ya la ha tomado? Pulse " + LINK,
                     "Responda STOP para darse de baja."),
    ("pl", "dose"): ("Riverside Clinic: czas na dzisiejsza dawke. Po przyjeciu kliknij: " + LINK,
                     "Odpisz STOP, aby zrezygnowac."),
    ("en", "appointment"): ("Riverside Clinic: reminder of your appointment tomorrow, Monday 5 January.",
                            "Reply STOP to opt out."),
    ("es", "appointment"): ("Riverside Clinic: le recordamos su cita mañana, lunes 5 de enero.",
                            "Responda STOP para darse de baja."),
    ("pl", "appointment"): ("Riverside Clinic: przypominamy o wizycie: jutro, poniedzialek 5 stycznia.",
                            "Odpisz STOP, aby zrezygnowac."),
    ("en", "lab"): ("Riverside Clinic: a blood test is due between Monday 5 January and Monday 19 January. "
                    "Please book it.", "Reply STOP to opt out."),
    ("es", "lab"): ("Riverside Clinic: le toca un analisis de sangre entre el lunes 5 de enero y el lunes "
                    "19 de enero. Pida cita.", "Responda STOP para darse de baja."),
    ("pl", "lab"): ("Riverside Clinic: czas na badanie krwi w terminie poniedzialek 5 stycznia - poniedzialek "
                    "19 stycznia. Prosimy sie umowic.", "Odpisz STOP, aby zrezygnowac."),
}


@pytest.mark.parametrize(("language", "kind"), list(SMS))
def test_each_kind_of_text_is_in_the_patients_language_in_gsm7(language, kind, settings):
    settings.PUBLIC_BASE_URL = "https://clinic.test"
    body = patient_text(a_reminder(kind=kind, language=language)).body
    start, stop = SMS[(language, kind)]
    assert body.startswith(start) and body.endswith(stop)
    assert segments(body).encoding == "GSM-7" and segments(body).count <= 2


EMAIL = {
    ("en", "dose"): ("Riverside Clinic: Today's dose, 08:00",
                     "Time for today's dose. Once you have taken it, tap to let the clinic know: " + LINK,
                     "To stop these emails: "),
    ("es", "dose"): ("Riverside Clinic: Su dosis de hoy, 8:00",
                     "Es la hora de su dosis de hoy. Cuando la haya tomado, pulse aquí para avisar a la clínica: " + LINK,
                     "Para dejar de recibir estos correos: "),
    ("pl", "dose"): ("Riverside Clinic: Dzisiejsza dawka, 08:00",
                     "Czas na dzisiejszą dawkę. Po jej przyjęciu kliknij, aby dać znać przychodni: " + LINK,
                     "Aby zrezygnować z tych wiadomości: "),
    ("en", "appointment"): ("Riverside Clinic: Your appointment tomorrow, Monday 5 January",
                            "A reminder of your appointment at Riverside Clinic tomorrow, Monday 5 January.",
                            "To stop these emails: "),
    ("es", "appointment"): ("Riverside Clinic: Su cita de mañana, lunes 5 de enero",
                            "Le recordamos su cita en Riverside Clinic mañana, lunes 5 de enero.",
                            "Para dejar de recibir estos correos: "),
    ("pl", "appointment"): ("Riverside Clinic: Wizyta jutro, poniedziałek 5 stycznia",
                            "Przypominamy o wizycie w przychodni Riverside Clinic: jutro, poniedziałek 5 stycznia.",
                            "Aby zrezygnować z tych wiadomości: "),
    ("en", "lab"): ("Riverside Clinic: A blood test is due",
                    "A blood test is due between Monday 5 January and Monday 19 January. Please book it with "
                    "Riverside Clinic.", "To stop these emails: "),
    ("es", "lab"): ("Riverside Clinic: Tiene pendiente un análisis de sangre",
                    "Tiene que hacerse un análisis de sangre entre el lunes 5 de enero y el lunes 19 de enero. "
                    "Pida cita en Riverside Clinic.", "Para dejar de recibir estos correos: "),
    ("pl", "lab"): ("Riverside Clinic: Czas na badanie krwi",
                    "Należy wykonać badanie krwi w terminie: poniedziałek 5 stycznia – poniedziałek 19 stycznia. "
                    "Prosimy umówić się w przychodni Riverside Clinic.", "Aby zrezygnować z tych wiadomości: "),
}


@pytest.mark.parametrize(("language", "kind"), list(EMAIL))
def test_each_kind_of_email_has_its_subject_body_and_unsubscribe_line_in_the_patients_language(language, kind,
                                                                                             settings):
    settings.PUBLIC_BASE_URL = "https://clinic.test"
    text = patient_text(a_reminder(kind=kind, channel="email", language=language), calendar_token="cal")
    subject, first_line, stop = EMAIL[(language, kind)]
    assert text.subject == subject
    assert text.body.startswith(first_line)
    assert f"\n{stop}https://clinic.test/r/unsubscribe/" in text.body
    assert "https://clinic.test/r/calendar/cal.ics" in text.body
    assert text.headers["List-Unsubscribe"].startswith("<https://clinic.test/r/unsubscribe/")


@pytest.mark.parametrize(("language", "drug", "tests"), [
    ("en", "ferrous sulfate tablet 200 mg", "full blood count, reticulocyte count"),
    ("es", "comprimido de sulfato ferroso 200 mg", "hemograma, reticulocitos"),
    ("pl", "tabletka siarczanu żelaza 200 mg", "morfologia, retikulocyty"),
])
def test_drug_and_test_names_are_translated_when_the_clinic_opted_in(language, drug, tests):
    dose = patient_text(a_reminder(kind="dose", channel="email", language=language, details=True))
    lab = patient_text(a_reminder(kind="lab", channel="email", language=language, details=True,
                                  tests=["fbc", "reticulocytes"]))
    assert f"({drug})" in dose.body and f"({tests})" in lab.body


@pytest.mark.parametrize(("days_ahead", "spanish"), [(0, "le recordamos su cita hoy, lunes 5 de enero."),
                                                     (1, "le recordamos su cita mañana, lunes 5 de enero."),
                                                     (3, "le recordamos su cita el lunes 5 de enero.")])
def test_an_appointment_says_today_tomorrow_or_the_day(days_ahead, spanish):
    assert spanish in patient_text(a_reminder(kind="appointment", language="es", days_ahead=days_ahead)).body


def test_a_patient_without_a_language_is_written_to_in_the_clinics():
    row = a_reminder(kind="dose", language="")
    row.clinic.language = "pl"
    assert "czas na dzisiejsza dawke" in patient_text(row).body
    row.patient.language = "es"
    assert "es hora de su dosis" in patient_text(row).body


def test_wording_a_message_leaves_the_language_that_was_active_before():
    with in_language("pl"):
        patient_text(a_reminder(kind="dose", language="es"))
        assert translation.get_language() == "pl"
    english = patient_text(a_reminder(kind="lab", language="en"))
    assert english.body.startswith("Riverside Clinic: a blood test is due between Monday 5 January")


@pytest.mark.django_db
def test_the_language_never_leaks_from_one_message_of_a_batch_into_the_next(clinic, patient, enroll, texts,
                                                                             mailoutbox, cara_with_email):
    """Pat (the clinic's language, English), Ana (Spanish) and Piotr (Polish) are reminded in one sweep, with
    an alert for a clinician (staff messages are English) in the same batch."""
    ana = PatientFactory(clinic=clinic, given_name="Ana", language="es", phone="+34600000001", email="ana@example.org")
    piotr = PatientFactory(clinic=clinic, given_name="Piotr", language="pl", phone="+48600000002",
                           email="piotr@example.org")
    with time_machine.travel("2026-03-01 06:00Z", tick=False):
        for person in (ana, patient, piotr):
            enroll(person, "iron-oral-daily", date(2026, 3, 2))
    with time_machine.travel("2026-03-02 07:59Z", tick=False):
        alert_raise(patient=patient, code="dose-missed", message="Loading dose 2 was recorded missed",
                    facts={"event": "loading#2"}, fingerprint="loading#2")
    with translation.override("en"), time_machine.travel("2026-03-02 08:00Z", tick=False):
        sent = send_due_reminders()
        assert translation.get_language() == "en"
    assert sent["sent"] == 7
    by_phone = {text.to: text.body for text in texts}
    assert "time for today's dose" in by_phone[patient.phone]
    assert "es hora de su dosis de hoy" in by_phone["+34600000001"]
    assert "czas na dzisiejsza dawke" in by_phone["+48600000002"]
    by_address = {email.to[0]: email for email in mailoutbox}
    assert by_address[patient.email].subject == "Riverside Clinic: Today's dose, 08:00"
    assert by_address["ana@example.org"].subject == "Riverside Clinic: Su dosis de hoy, 8:00"
    assert by_address["piotr@example.org"].subject == "Riverside Clinic: Dzisiejsza dawka, 08:00"
    assert by_address["cara@riverside.test"].subject == "[Riverside Clinic] dose-missed: Pat Jones (MRN R0001)"
    assert "Acknowledge it in the clinic's alert list." in by_address["cara@riverside.test"].body
