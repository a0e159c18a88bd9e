"""Strict API fields: dates that exist, times with an offset."""

import datetime as dt

from django.utils.dateparse import parse_date, parse_datetime
from rest_framework import serializers


class StrictDateField(serializers.DateField):
    def to_internal_value(self, value):
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        text = str(value).strip()
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
    }

    def to_internal_value(self, value):
        if isinstance(value, dt.datetime):
            parsed = value
        else:
            text = str(value).strip()
            try:
                parsed = parse_datetime(text)
            except ValueError:
                self.fail("no_such_time", value=text)
            if parsed is None:
                self.fail("bad", value=text)
        if parsed.tzinfo is None:
            self.fail("naive", value=value)
        return parsed.astimezone(dt.UTC)
