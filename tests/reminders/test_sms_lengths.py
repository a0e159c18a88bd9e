"""Every text to a patient fits two SMS segments, in every language, at its longest.

The worst cases: a long clinic name, a long public address (the links), the longest day and month
words of each language, the largest reminder id (the longest signed link), the longest drug name and
every blood test at once, with the clinic's opt-in to name them on and off.
"""

from datetime import date, timedelta

import pytest
from django.utils.translation import gettext

from reminders.language import day_label, in_language
from reminders.messages import DRUG_NAMES, MAX_SMS_SEGMENTS, TEST_NAMES, _sms, drug_name, patient_text
from reminders.sms_segments import for_sms, segments

from .conftest import SMS_LENGTH_REPORT
from .in_memory import a_reminder

LANGUAGES = ("en", "es", "pl")
LONG_BASE_URL = "https://reminders.example-clinic-group.org"
#: Realistic long clinic names (the name opens every text).
LONG_NAMES = {
    "en": "St Bartholomew's Haematology & Anticoagulation Clinic",
    "es": "Centro de Salud Universitario Virgen de la Macarena",
    "pl": "Przychodnia Specjalistyczna Śródmieście-Północ w Łodzi",
}
LARGEST_ID = 9_999_999_999
EVERY_TEST = list(TEST_NAMES)
#: The longest list of a built-in protocol (the B12 and iron baseline).
BASELINE = ["fbc", "reticulocytes", "b12", "folate", "ferritin", "crp"]


def longest_day(language: str) -> date:
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(366)]
    with in_language(language):
        return max(days, key=lambda day: len(day_label(day)))


#: Oral doses are reminded at the patient's time; hydroxocobalamin is injected, at an appointment.
ORAL = [code for code in DRUG_NAMES if code != "hydroxocobalamin"]


def longest_oral_drug(language: str) -> str:
    with in_language(language):
        return max(ORAL, key=lambda code: len(drug_name(code)))


def worst_cases(language: str):
    day = longest_day(language)
    for details in (False, True):
        common = {"language": language, "details": details, "clinic_name": LONG_NAMES[language], "day": day,
                  "reminder_id": LARGEST_ID}
        yield "dose", a_reminder(kind="dose", code=longest_oral_drug(language), dose_mg="322", **common)
        for days_ahead in (0, 1, 7):
            yield f"appointment-{days_ahead}", a_reminder(kind="appointment", code="hydroxocobalamin",
                                                          days_ahead=days_ahead, **common)
        yield "lab-all-8", a_reminder(kind="lab", tests=EVERY_TEST, window_end=day, **common)
        yield "lab-baseline", a_reminder(kind="lab", tests=BASELINE, window_end=day, **common)
        yield "lab-fbc", a_reminder(kind="lab", tests=["fbc"], window_end=day, **common)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_kind_of_text_fits_two_segments_at_its_longest(language, settings, request):
    settings.PUBLIC_BASE_URL = LONG_BASE_URL
    measured = []
    for case, row in worst_cases(language):
        body = patient_text(row).body
        counted = segments(body)
        measured.append((counted.count, counted.units, counted.encoding, case, row.clinic.reminder_details_opt_in,
                         body))
        assert counted.count <= MAX_SMS_SEGMENTS, f"{language} {case}: {counted} {body!r}"
        assert body.endswith({"en": "Reply STOP to opt out.", "es": "Responda STOP para darse de baja.",
                              "pl": "Odpisz STOP, aby zrezygnowac."}[language])
    count, units, encoding, case, details, _ = max(measured)
    request.config.stash.setdefault(SMS_LENGTH_REPORT, {})[language] = (
        f"{count} segments, {units} {'septets' if encoding == 'GSM-7' else 'UCS-2 units'} ({case}, "
        f"names {'on' if details else 'off'})")
    assert all(encoding == "GSM-7" for _, _, encoding, *_ in measured)


@pytest.mark.parametrize("language", LANGUAGES)
def test_even_at_its_longest_a_text_keeps_the_wording_and_names_the_clinic_asked_for(language, settings):
    settings.PUBLIC_BASE_URL = LONG_BASE_URL
    for case, row in worst_cases(language):
        with in_language(language):
            as_asked = for_sms(f"{_sms(row, row.clinic.name, row.clinic.reminder_details_opt_in)} "
                               f"{gettext('Reply STOP to opt out.')}")
        assert patient_text(row).body == as_asked, case


def test_a_text_too_long_for_two_segments_drops_the_names_then_shortens_the_clinics_name(settings):
    settings.PUBLIC_BASE_URL = LONG_BASE_URL
    name = "Riverside Haematology, Anticoagulation and Iron Deficiency Service of the Northern Hospitals Group"
    body = patient_text(a_reminder(kind="lab", language="es", details=True, tests=EVERY_TEST, clinic_name=name,
                                   day=longest_day("es"), reminder_id=LARGEST_ID)).body
    assert segments(body).count <= MAX_SMS_SEGMENTS
    assert body.startswith(f"{name}: le toca un analisis de sangre entre el ") and "hemograma" not in body
    assert body.endswith("Responda STOP para darse de baja.")
    dose = patient_text(a_reminder(kind="dose", language="es", clinic_name=f"{name} {name}", reminder_id=LARGEST_ID))
    assert dose.body.startswith("Riverside Haematology,: es hora de su dosis de hoy. ¿Ya la ha tomado? Pulse https://")
    assert segments(dose.body).count <= MAX_SMS_SEGMENTS


@pytest.mark.parametrize("name", ["Riverside " * 20, "Клиника «Северная» — гематология", "血液科诊所 Riverside"])
def test_even_an_extreme_clinic_name_leaves_a_text_within_two_gsm7_segments(name, settings):
    settings.PUBLIC_BASE_URL = LONG_BASE_URL
    for language in LANGUAGES:
        body = patient_text(a_reminder(kind="dose", language=language, clinic_name=name.strip(),
                                       reminder_id=LARGEST_ID)).body
        assert segments(body).count <= 2 and segments(body).encoding == "GSM-7", body
        assert f"{LONG_BASE_URL}/r/taken/" in body


def test_a_clinic_name_outside_gsm7_is_kept_whole_when_the_text_still_fits(settings):
    settings.PUBLIC_BASE_URL = "https://c.test"
    body = patient_text(a_reminder(kind="appointment", language="es", clinic_name="Клиника")).body
    assert body.startswith("Клиника: le recordamos su cita mañana") and segments(body).encoding == "UCS-2"
