"""Signing in with a lockout after repeated failures, and signing out after idle minutes."""

import pytest
import time_machine
from django.test import Client

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fifteen_idle_minutes(settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 15


def sign_in(client, username, password=PASSWORD):
    return client.post("/login/", {"username": username, "password": password})


def test_a_nurse_signs_in_and_lands_on_today(nina):
    client = Client()
    response = sign_in(client, "nina")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_an_administrator_lands_on_the_staff_page(adam):
    assert sign_in(Client(), "adam")["Location"] == "/staff/"


def test_a_wrong_password_is_refused_with_a_clear_message(nina):
    response = sign_in(Client(), "nina", "wrong")
    assert response.status_code == 200
    assert "do not match" in response.content.decode()


def test_five_failures_lock_the_username_even_for_the_right_password(nina, settings):
    settings.LOGIN_LOCKOUT_FAILURES = 5
    client = Client()
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        for _ in range(4):
            assert "do not match" in sign_in(client, "nina", "wrong").content.decode()
        assert "Too many failed sign-ins" in sign_in(client, "NINA", "wrong").content.decode()
        locked = sign_in(client, "nina")
        assert locked.status_code == 429 and "Try again in 15 minutes" in locked.content.decode()
    with time_machine.travel("2026-03-02 09:14Z", tick=False):
        assert sign_in(Client(), "nina").status_code == 429, "still locked after 14 minutes"
    with time_machine.travel("2026-03-02 09:16Z", tick=False):
        assert sign_in(Client(), "nina").status_code == 302, "unlocked after 15 minutes"


def test_a_successful_sign_in_clears_earlier_failures(nina):
    client = Client()
    for _ in range(4):
        sign_in(client, "nina", "wrong")
    assert sign_in(client, "nina").status_code == 302
    for _ in range(4):
        sign_in(Client(), "nina", "wrong")
    assert sign_in(Client(), "nina").status_code == 302


def test_an_administrator_can_unlock_a_locked_account(nina, adam_web):
    for _ in range(5):
        sign_in(Client(), "nina", "wrong")
    assert "Locked for" in adam_web.get("/staff/").content.decode()
    adam_web.post(f"/staff/{nina.pk}/unlock/")
    assert sign_in(Client(), "nina").status_code == 302


def test_staff_are_signed_out_after_15_idle_minutes(nina):
    client = Client()
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        sign_in(client, "nina")
        assert client.get("/patients/").status_code == 200
    with time_machine.travel("2026-03-02 09:14Z", tick=False):
        assert client.get("/patients/").status_code == 200, "activity within 15 minutes keeps the session"
    with time_machine.travel("2026-03-02 09:28Z", tick=False):
        assert client.get("/patients/").status_code == 200, "14 minutes after the last activity"
    with time_machine.travel("2026-03-02 09:44Z", tick=False):
        response = client.get("/patients/")
        assert response.status_code == 302 and response["Location"] == "/login/?next=%2Fpatients%2F&idle=1"
        assert "signed out after a period of inactivity" in client.get(response["Location"]).content.decode()
        assert client.get("/patients/")["Location"] == "/login/?next=/patients/", "the session is gone"


def test_the_idle_timeout_is_configurable(nina, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 2
    client = Client()
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        sign_in(client, "nina")
    with time_machine.travel("2026-03-02 09:03Z", tick=False):
        assert client.get("/")["Location"].startswith("/login/")


def test_signing_out_ends_the_session(nina_web):
    assert nina_web.post("/logout/").status_code == 302
    assert nina_web.get("/")["Location"].startswith("/login/")
