"""Strict API fields: dates that exist, instants with an offset and in range, bounded plain text."""

import datetime as dt
import unicodedata

from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

#: No instant an API client sends is outside these years (the services bound each field more tightly).
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100
#: Characters never accepted in names and codes: controls, and the bidirectional overrides and isolates that
#: make "Smith" display as something else (zero-width joiners, used in some scripts' names, are allowed).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
#: What free text (notes, reasons) may contain besides printable characters.
TEXT_WHITESPACE = frozenset("\n\r\t")
#: Free text (a note, a reason) is at most this long.
TEXT_MAX_LENGTH = 2000


def bad_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character a name or note may not contain, or None."""
    for char in value:
        if multiline and char in TEXT_WHITESPACE:
            continue
        if char in BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            return char
    return None


def bad_character_message(char: str) -> str:
    return f"must not contain control characters (found U+{ord(char):04X})"


class StrictDateField(serializers.DateField):
    def to_internal_value(self, value):
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        text = str(value).strip()[:40]
        try:
            parsed = parse_date(text)
        except ValueError:
            self.fail("invalid_date", value=text)
        if parsed is None:
            self.fail("invalid_format", value=text)
        return parsed

    default_error_messages = {
        "invalid_date": "{value} is not a date that exists.",
        "invalid_format": "{value!r} is not a date; use YYYY-MM-DD.",
    }


class AwareDateTimeField(serializers.DateTimeField):
    default_error_messages = {
        "naive": "{value} has no UTC offset; give one, e.g. 2026-01-05T10:30:00Z or +01:00.",
        "bad": "{value!r} is not a date-time; use ISO 8601 with an offset, e.g. 2026-01-05T10:30:00Z.",
        "no_such_time": "{value} is not a date-time that exists.",
        "before": "{value} is before {year}.",
        "after": "{value} is after {year}.",
    }

    def to_internal_value(self, value):
        if isinstance(value, dt.datetime):
            parsed = value
        else:
            text = str(value).strip()[:64]
            try:
                parsed = parse_datetime(text)
            except ValueError:
                self.fail("no_such_time", value=text)
            if parsed is None:
                self.fail("bad", value=text)
        if parsed.tzinfo is None:
            self.fail("naive", value=value)
        try:
            instant = parsed.astimezone(dt.UTC)
        except OverflowError:  # 9999-12-31T23:59:59-23:59 is in the year 10000 in UTC
            instant = None
        if instant is None and parsed.year > LATEST_YEAR or instant is not None and instant.year > LATEST_YEAR:
            self.fail("after", value=parsed.isoformat(), year=LATEST_YEAR)
        if instant is None or instant.year < EARLIEST_YEAR:
            self.fail("before", value=parsed.isoformat(), year=EARLIEST_YEAR)
        return instant


class PlainCharField(serializers.CharField):
    """A name or a code: bounded, and with no control characters."""

    default_error_messages = {"control": "{message}"}

    def __init__(self, *, multiline: bool = False, **kwargs):
        self.multiline = multiline
        if "max_length" not in kwargs:
            raise TypeError("PlainCharField needs a max_length: every input is bounded")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        char = bad_character(value, multiline=self.multiline)
        if char is not None:
            self.fail("control", message=bad_character_message(char))
        return value


class TextField(PlainCharField):
    """Free text (a note, a reason): a few lines at most."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", TEXT_MAX_LENGTH)
        super().__init__(multiline=True, **kwargs)


@extend_schema_field({"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
                      "example": "08:00"})
class LocalTimeField(serializers.TimeField):
    """A local time of day, answered as HH:MM (HH:MM:SS accepted)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        kwargs.setdefault("input_formats", ["%H:%M", "%H:%M:%S"])
        super().__init__(**kwargs)
