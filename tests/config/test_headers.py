"""Headers every answer carries: no caching of patient pages or API answers (shared tablets), a Content
Security Policy without inline script, and no inline script in any page."""

import re

import pytest
from django.test import Client

from tests.conftest import api_client_for


def web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_patient_page_is_not_stored(nina, patient):
    response = web(nina).get(f"/patients/{patient.pk}/")
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/api/v1/patients/", "/api/v1/patients/{pk}/", "/api/v1/protocols/"])
def test_an_api_answer_is_not_stored(nina, patient, path):
    response = api_client_for(nina).get(path.format(pk=patient.pk))
    assert "no-store" in response["Cache-Control"]


def test_a_content_security_policy_forbids_inline_script(nina):
    policy = web(nina).get("/")["Content-Security-Policy"]
    script = re.search(r"script-src ([^;]*)", policy).group(1)
    assert "'self'" in script and "unsafe-inline" not in script and "unsafe-eval" not in script
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


@pytest.mark.parametrize("who, path", [
    ("nina", "/"), ("nina", "/patients/"), ("nina", "/patients/{pk}/"), ("nina", "/alerts/"), ("nina", "/overview/"),
    ("nina", "/account/"), ("adam", "/staff/"), ("adam", "/access-log/?mrn=R0001"), (None, "/login/"),
    (None, "/api/docs/"), ("root", "/admin/"), ("root", "/admin/patients/patient/{pk}/change/"),
])
def test_no_page_has_an_inline_script(request, patient, who, path):
    client = Client()
    if who == "root":
        from clinics.models import User

        client.force_login(User.objects.create_superuser("root", "r@example.org", "x-very-long-password-1"))
    elif who:
        client.force_login(request.getfixturevalue(who))
    body = client.get(path.format(pk=patient.pk)).content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", body, flags=re.S)
    assert scripts or path == "/login/" or "/admin/" in path or who == "adam"
    for attributes, content in scripts:
        if 'type="application/json"' in attributes:
            continue  # data for a script, never run
        assert "src=" in attributes and not content.strip(), f"inline script in {path}: {content[:80]}"
    assert not re.search(r"\son[a-z]+=", body), "no inline event handlers"
