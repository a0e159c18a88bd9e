from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from clinics.models import Clinic, User


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_create_clinic_and_staff_are_idempotent_and_print_the_token_last(db):
    run("create_clinic", "--slug", "north", "--name", "North", "--timezone", "Europe/Dublin",
        "--injection-days", "tue,thu")
    run("create_clinic", "--slug", "north", "--name", "Renamed", "--timezone", "UTC")
    clinic = Clinic.objects.get(slug="north")
    assert (clinic.name, clinic.timezone, clinic.injection_days) == ("North", "Europe/Dublin", "tue,thu")
    first = run("create_staff", "nurse1", "--clinic", "north", "--role", "nurse", "--password", "pw-12345678")
    again = run("create_staff", "nurse1", "--clinic", "north", "--role", "nurse")
    assert first[-1] == again[-1] == User.objects.get(username="nurse1").auth_token.key
    assert User.objects.filter(username="nurse1").count() == 1


def test_a_bad_time_zone_is_refused(db):
    with pytest.raises(CommandError, match="IANA"):
        run("create_clinic", "--slug", "x", "--name", "X", "--timezone", "Europe/Atlantis")


def test_staff_of_an_unknown_clinic_is_refused(db):
    with pytest.raises(CommandError, match="no clinic"):
        run("create_staff", "who", "--clinic", "nowhere", "--role", "nurse")
