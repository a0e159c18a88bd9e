from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from clinics.models import validate_timezone


def test_validating_a_time_zone_does_not_walk_the_tz_database_every_time():
    validate_timezone("Europe/London")
    with mock.patch("clinics.models.available_timezones", side_effect=AssertionError("walked again")):
        validate_timezone("America/New_York")
        with pytest.raises(ValidationError):
            validate_timezone("Mars/Olympus_Mons")
