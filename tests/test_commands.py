from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from knox.models import AuthToken
from rest_framework.test import APIClient

from clinics.management.commands.create_staff import NOT_SHOWN
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
    token = first[-1]
    assert APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/protocols/").status_code == 200
    again = run("create_staff", "nurse1", "--clinic", "north", "--role", "nurse")
    assert again[-1] == NOT_SHOWN, "only a hash of the key is stored: it cannot be printed again"
    assert "nothing changed" in again[0]
    assert APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/protocols/").status_code == 200
    assert User.objects.filter(username="nurse1").count() == 1
    assert token not in str(list(AuthToken.objects.values_list("digest", "token_key"))), "stored hashed"


def test_create_staff_new_token_replaces_the_old_one(db):
    run("create_clinic", "--slug", "north", "--name", "North", "--timezone", "Europe/Dublin")
    old = run("create_staff", "api1", "--clinic", "north", "--role", "nurse")[-1]
    new = run("create_staff", "api1", "--clinic", "north", "--role", "nurse", "--new-token")[-1]
    assert new != old and len(new) == 64
    assert APIClient(HTTP_AUTHORIZATION=f"Token {old}").get("/api/v1/protocols/").status_code == 401
    assert APIClient(HTTP_AUTHORIZATION=f"Token {new}").get("/api/v1/protocols/").status_code == 200


@pytest.mark.parametrize("password", ["1", "password", "12345678", "north-nurse"])
def test_create_staff_refuses_a_weak_password_and_creates_nothing(db, password):
    run("create_clinic", "--slug", "north", "--name", "North", "--timezone", "Europe/Dublin")
    with pytest.raises(CommandError, match="password refused"):
        run("create_staff", "north-nurse", "--clinic", "north", "--role", "nurse", "--password", password)
    assert not User.objects.filter(username="north-nurse").exists()


def test_a_bad_time_zone_is_refused(db):
    with pytest.raises(CommandError, match="IANA"):
        run("create_clinic", "--slug", "x", "--name", "X", "--timezone", "Europe/Atlantis")


def test_staff_of_an_unknown_clinic_is_refused(db):
    with pytest.raises(CommandError, match="no clinic"):
        run("create_staff", "who", "--clinic", "nowhere", "--role", "nurse")
