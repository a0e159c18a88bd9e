"""Writing to a patient in their language: which language, and dates and times as it writes them.

The language is activated for one message or one page (`in_language`), so it never leaks into the
next message of a batch. Day and month names come from the CLDR data in babel; each language's
pattern (word order, "de", the 24-hour clock as it is written there) is in its catalog, so adding a
language needs no code.
"""

from datetime import date, datetime
from functools import cache, lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from django.conf import settings
from django.utils import translation
from django.utils.translation import pgettext

from clinics.languages import DEFAULT_LANGUAGE


def patient_language(patient, clinic=None) -> str:
    """The patient's own language, or their clinic's (pass `clinic` when it is already loaded)."""
    return patient.language or (clinic or patient.clinic).language or DEFAULT_LANGUAGE


def in_language(language: str):
    """A context manager: gettext speaks `language` inside it, and what was active before after it."""
    return translation.override(language or DEFAULT_LANGUAGE)


def _active() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


@cache
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(translation.to_locale(DEFAULT_LANGUAGE))


def day_label(day: date) -> str:
    """The weekday, day and month in the active language: "Monday 5 January", "lunes 5 de enero"."""
    return _day_label(day, _active())


@lru_cache(maxsize=2048)
def _day_label(day: date, language: str) -> str:
    # Translators: a date pattern of the babel library (CLDR): EEEE weekday, d day, MMMM month (the
    # form used in a date, e.g. Polish "stycznia"); text in single quotes is written as it is.
    pattern = pgettext("date pattern", "EEEE d MMMM")
    return format_date(day, pattern, locale=_locale(language))


def time_label(moment: datetime) -> str:
    """The time of day (already in the patient's zone) as the active language writes it: 08:00, 8:00."""
    return _time_label(moment.hour, moment.minute, _active())


@lru_cache(maxsize=4096)
def _time_label(hour: int, minute: int, language: str) -> str:
    # Translators: a time pattern of the babel library (CLDR): HH hour 00-23, H hour 0-23, mm minutes.
    pattern = pgettext("time pattern", "HH:mm")
    return format_time(datetime(2000, 1, 1, hour, minute), pattern, locale=_locale(language))
