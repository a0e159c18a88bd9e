"""Links in messages: signed, so that a patient needs no login and nobody can guess one."""

from datetime import timedelta
from functools import cache

from django.conf import settings
from django.core import signing
from django.urls import reverse

TAKEN_SALT = "reminders.taken"
UNSUBSCRIBE_SALT = "reminders.unsubscribe"
#: How long after it is sent a "taken" link still records a dose.
TAKEN_LINK_MAX_AGE = timedelta(hours=24)


def absolute(path: str) -> str:
    return settings.PUBLIC_BASE_URL + path


@cache
def _path_around_token(name: str) -> tuple[str, str]:
    """The path of a public URL before and after its token (reverse() once, not per message)."""
    before, after = reverse(f"reminders:{name}", args=["TOKEN"]).split("TOKEN")
    return before, after


def link(name: str, token: str) -> str:
    before, after = _path_around_token(name)
    return f"{settings.PUBLIC_BASE_URL}{before}{token}{after}"


def taken_token(reminder_id: int) -> str:
    return signing.dumps(reminder_id, salt=TAKEN_SALT)


def taken_reminder_id(token: str, max_age: timedelta | None = TAKEN_LINK_MAX_AGE) -> int:
    """The reminder a "taken" link was sent with. signing.SignatureExpired / BadSignature if not valid.

    `max_age=None` reads an expired link (to answer in the patient's language that it expired).
    """
    value = signing.loads(token, salt=TAKEN_SALT, max_age=max_age)
    if not isinstance(value, int):
        raise signing.BadSignature("not a reminder id")
    return value


def taken_url(reminder_id: int) -> str:
    return link("taken", taken_token(reminder_id))


def unsubscribe_token(patient_id: int, channel: str) -> str:
    return signing.dumps([patient_id, channel], salt=UNSUBSCRIBE_SALT)


def unsubscribe_target(token: str) -> tuple[int, str]:
    """(patient id, channel) of an unsubscribe link; signing.BadSignature if it was altered. Never expires."""
    value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str)):
        raise signing.BadSignature("not an unsubscribe target")
    return value[0], value[1]


def unsubscribe_url(patient_id: int, channel: str) -> str:
    return link("unsubscribe", unsubscribe_token(patient_id, channel))


def calendar_url(calendar_token: str) -> str:
    return link("calendar", calendar_token)
