"""Every login path goes through one lockout keyed by username and address; every failure answers alike;
staff may add an authenticator app, and a clinic can require one of its administrators."""

import pytest
import time_machine
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import SecurityEvent
from tests.factories import StaffFactory

PASSWORD = "correct horse battery staple"


def sign_in(client, username, password=PASSWORD, address="10.0.0.1", path="/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def code_of(device, at=None) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.fixture
def root(db):
    from clinics.models import User

    return User.objects.create_superuser("root", "root@example.org", PASSWORD)


def test_the_admin_login_is_locked_after_five_failures_even_for_the_right_password(root):
    client = Client()
    for _ in range(5):
        assert sign_in(client, "root", "wrong", path="/admin/login/").status_code in (200, 429)
    response = sign_in(client, "root", path="/admin/login/")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_failures_on_the_admin_login_count_toward_the_staff_login_too(nina):
    for _ in range(3):
        sign_in(Client(), "nina", "wrong", path="/admin/login/")
    for _ in range(2):
        sign_in(Client(), "nina", "wrong")
    assert sign_in(Client(), "nina").status_code == 429


def test_an_attacker_elsewhere_cannot_lock_a_nurse_out(nina):
    for _ in range(10):
        sign_in(Client(), "nina", "wrong", address="203.0.113.9")
    assert sign_in(Client(), "nina", address="203.0.113.9").status_code == 429
    assert sign_in(Client(), "nina", address="10.0.0.1").status_code == 302, "the nurse station is not locked"


def test_one_address_cannot_guess_freely_across_usernames(clinic, settings):
    settings.LOGIN_ADDRESS_FAILURES = 12
    staff = [StaffFactory(username=f"n{i}", clinic=clinic) for i in range(5)]
    for member in staff[:4]:
        for _ in range(3):
            sign_in(Client(), member.username, "wrong", address="203.0.113.9")
    assert sign_in(Client(), "n4", address="203.0.113.9").status_code == 429, "the address is locked"
    assert sign_in(Client(), "n4", address="10.0.0.1").status_code == 302


def test_x_forwarded_for_is_ignored_unless_a_proxy_is_configured(nina):
    for i in range(5):
        Client().post("/login/", {"username": "nina", "password": "wrong"}, REMOTE_ADDR="203.0.113.9",
                      HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    assert sign_in(Client(), "nina", address="203.0.113.9").status_code == 429


@pytest.mark.parametrize("case", ["unknown user", "wrong password", "inactive", "no clinic"])
def test_every_failed_sign_in_answers_the_same(nina, clinic, case):
    from clinics.models import User

    username, password = "nina", PASSWORD
    if case == "unknown user":
        username = "nobody"
    elif case == "wrong password":
        password = "wrong"
    elif case == "inactive":
        User.objects.filter(username="nina").update(is_active=False)
    else:
        User.objects.filter(username="nina").update(clinic=None)
    response = sign_in(Client(), username, password)
    body = response.content.decode()
    assert response.status_code == 200
    assert "That username and password do not match. Check them and try again." in body
    assert "clinic" not in body.split("form-errors")[1][:300].lower()


def test_a_nurse_with_an_authenticator_app_signs_in_with_a_code(nina):
    device = TOTPDevice.objects.create(user=nina, name="app", confirmed=True)
    client = Client()
    with time_machine.travel("2026-03-02 09:00:01Z", tick=False):
        first = sign_in(client, "nina")
        assert first.status_code == 302 and first["Location"] == "/login/code/"
        assert client.get("/").status_code == 302, "not signed in before the code"
        wrong = client.post("/login/code/", {"code": "000000" if code_of(device) != "000000" else "111111"})
        assert wrong.status_code == 422 and "not right" in wrong.content.decode()
    with time_machine.travel("2026-03-02 09:00:05Z", tick=False):  # after the app's back-off of a second
        device.refresh_from_db()
        done = client.post("/login/code/", {"code": code_of(device)})
        assert done.status_code == 302 and done["Location"] == "/"
        assert client.get("/").status_code == 200


def test_wrong_codes_count_toward_the_lockout(nina):
    TOTPDevice.objects.create(user=nina, name="app", confirmed=True)
    client = Client()
    sign_in(client, "nina")
    for _ in range(5):
        client.post("/login/code/", {"code": "123456"}, REMOTE_ADDR="10.0.0.1")
    assert sign_in(Client(), "nina").status_code == 429


def test_a_clinic_can_require_its_administrators_to_set_up_an_app(adam, clinic):
    clinic.require_admin_two_factor = True
    clinic.save()
    client = Client()
    assert sign_in(client, "adam")["Location"] == "/login/code/"
    page = client.get("/login/code/")
    assert "Set up your authenticator app" in page.content.decode() and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=adam, confirmed=False)
    done = client.post("/login/code/", {"code": code_of(device)})
    assert done["Location"] == "/staff/"
    assert TOTPDevice.objects.get(user=adam).confirmed
    assert SecurityEvent.objects.filter(subject=adam, event="two-factor-enabled").exists()


def test_an_administrator_turns_the_requirement_on_from_the_account_page(adam, clinic):
    client = Client()
    client.force_login(adam)
    client.post("/account/", {"action": "clinic-two-factor", "required": "1"})
    clinic.refresh_from_db()
    assert clinic.require_admin_two_factor
    assert clinic.history.first().history_user == adam


def test_a_nurse_sets_up_an_app_from_the_account_page(nina):
    client = Client()
    client.force_login(nina)
    assert "<svg" in client.post("/account/", {"action": "two-factor-start"}).content.decode()
    device = TOTPDevice.objects.get(user=nina, confirmed=False)
    client.post("/account/", {"action": "two-factor-confirm", "code": code_of(device)})
    assert TOTPDevice.objects.get(user=nina).confirmed


@time_machine.travel("2026-03-02 09:00Z", tick=False)
def test_the_sign_in_pages_are_not_cached(nina):
    assert "no-store" in Client().get("/login/")["Cache-Control"]


def test_the_admin_asks_for_the_code_of_a_superuser_with_an_app(root):
    device = TOTPDevice.objects.create(user=root, name="app", confirmed=True)
    client = Client()
    with time_machine.travel("2026-03-02 09:00:01Z", tick=False):
        sign_in(client, "root", path="/admin/login/")
        assert "_auth_user_id" not in client.session, "a password alone does not sign in"
        client.post("/admin/login/", {"username": "root", "password": PASSWORD, "otp_token": code_of(device),
                                      "otp_device": device.persistent_id}, REMOTE_ADDR="10.0.0.1")
        assert client.session.get("_auth_user_id") == str(root.pk)


def test_a_superuser_without_an_app_signs_in_to_the_admin_with_a_password(root):
    client = Client()
    assert sign_in(client, "root", path="/admin/login/").status_code == 302
    assert client.session.get("_auth_user_id") == str(root.pk)
