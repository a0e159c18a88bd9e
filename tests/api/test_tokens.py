"""API tokens: `Authorization: Token <key>`, stored hashed, expiring, rotated by their owner or by a clinic
administrator, each issue in the audit trail."""

from datetime import timedelta

import time_machine
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from audit.models import SecurityEvent
from tests.conftest import api_client_for, api_token_for


def client_with(key) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}")


def test_a_token_is_stored_as_a_hash_only(nina):
    key = api_token_for(nina)
    stored = AuthToken.objects.get(user=nina)
    assert key not in (stored.digest, stored.token_key) and len(stored.digest) == 128
    assert client_with(key).get("/api/v1/protocols/").status_code == 200


def test_a_token_expires(nina, settings):
    settings.API_TOKEN_TTL_DAYS = 30
    key = api_token_for(nina)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert client_with(key).get("/api/v1/protocols/").status_code == 401


def test_a_staff_member_rotates_their_token_and_the_old_one_stops_working(nina):
    old = api_token_for(nina)
    response = client_with(old).post("/api/v1/auth/tokens/rotate/")
    assert response.status_code == 201
    new = response.json()["token"]
    assert client_with(old).get("/api/v1/protocols/").status_code == 401
    assert client_with(new).get("/api/v1/protocols/").status_code == 200
    assert SecurityEvent.objects.filter(subject=nina, actor=nina, event="api-token-issued").exists()


def test_a_staff_member_lists_their_tokens_without_the_keys(nina):
    key = api_token_for(nina)
    listed = client_with(key).get("/api/v1/auth/tokens/").json()
    assert len(listed) == 1 and key not in str(listed) and listed[0]["expiry"]


def test_a_clinic_administrator_issues_a_new_token_for_an_integration_account(adam, nina):
    old = api_token_for(nina)
    response = api_client_for(adam).post(f"/api/v1/staff/{nina.pk}/api-token/")
    assert response.status_code == 201
    assert client_with(old).get("/api/v1/protocols/").status_code == 401
    assert client_with(response.json()["token"]).get("/api/v1/patients/").status_code == 200
    assert SecurityEvent.objects.filter(subject=nina, actor=adam, event="api-tokens-revoked").exists()


def test_a_clinic_administrator_revokes_every_token_of_a_member(adam, nina):
    key = api_token_for(nina)
    assert api_client_for(adam).delete(f"/api/v1/staff/{nina.pk}/api-token/").status_code == 204
    assert client_with(key).get("/api/v1/protocols/").status_code == 401


def test_only_an_administrator_of_the_same_clinic_manages_tokens(nina, cara, otto, adam):
    assert api_client_for(cara).post(f"/api/v1/staff/{nina.pk}/api-token/").status_code == 403
    from clinics.models import Role
    from tests.factories import StaffFactory

    hal = StaffFactory(username="hal", clinic=otto.clinic, role=Role.ADMIN)
    assert api_client_for(hal).post(f"/api/v1/staff/{nina.pk}/api-token/").status_code == 404


def test_a_token_of_a_deactivated_member_stops_working(nina):
    key = api_token_for(nina)
    nina.is_active = False
    nina.save()
    assert client_with(key).get("/api/v1/protocols/").status_code == 401


def test_the_account_page_issues_a_key_once(nina):
    from django.test import Client

    web = Client()
    web.force_login(nina)
    page = web.post("/account/", {"action": "token-new"}).content.decode()
    key = page.split('<code class="token">')[1].split("</code>")[0]
    assert client_with(key).get("/api/v1/protocols/").status_code == 200
    assert key not in web.get("/account/").content.decode()


def test_an_operator_rotates_every_token_of_a_clinic(nina, cara, clinic):
    from clinics.tokens import clinic_tokens_rotate

    old = api_token_for(nina)
    rotated = dict(clinic_tokens_rotate(clinic=clinic))
    assert set(u.username for u in rotated) == {"nina", "cara"}
    assert client_with(old).get("/api/v1/protocols/").status_code == 401
    assert client_with(rotated[nina]).get("/api/v1/protocols/").status_code == 200
