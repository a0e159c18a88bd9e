"""The languages patients can be written to in (settings.LANGUAGES). Staff pages stay in English."""

from django.conf import settings
from django.core.exceptions import ValidationError

#: A clinic's language when none was chosen.
DEFAULT_LANGUAGE = "en"


def language_choices() -> list[tuple[str, str]]:
    """(code, name) of each offered language; a callable, so that a new language needs no migration."""
    return list(settings.LANGUAGES)


def language_codes() -> list[str]:
    return [code for code, _ in settings.LANGUAGES]


def validate_language(value: str) -> None:
    if value and value not in language_codes():
        raise ValidationError(f"{value!r} is not an offered language; use one of {', '.join(language_codes())}")
