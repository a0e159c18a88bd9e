"""Production settings: start-up refuses DEBUG, a weak SECRET_KEY and an unknown DJANGO_ENV; `check --deploy`
is clean; HTTPS and proxy headers are the operator's choice."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k7#Qz9!vR2@xLm4$Np8&Tb6*Wd3^Hs5%Jf1(Gc0)Ye9+Ua7-Oi2=Pl4"


def run(code: str, **env):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECRET", "DEBUG", "SECURE_"))}
    environ.update({"DJANGO_SETTINGS_MODULE": "config.settings", "PUBLIC_BASE_URL": "https://clinic.example.org",
                    "SMS_BACKEND": "null", "ALLOWED_HOSTS": "clinic.example.org", **env})
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True,
                          timeout=120)


SETTING = "import django; django.setup(); from django.conf import settings as s; print(repr(({})))"


def production(**env):
    return {"DJANGO_ENV": "production", "SECRET_KEY": STRONG_KEY, **env}


@pytest.mark.parametrize("name", ["Production", "PRODUCTION", " production "])
def test_django_env_is_read_case_insensitively_and_never_falls_back_to_development(name):
    result = run(SETTING.format("s.PRODUCTION, s.DEBUG, s.SESSION_COOKIE_SECURE"), **production(DJANGO_ENV=name))
    assert result.stdout.strip() == "(True, False, True)", result.stderr


@pytest.mark.parametrize("name", ["prod", "staging", "productoin"])
def test_an_unknown_django_env_stops_start_up(name):
    result = run(SETTING.format("s.PRODUCTION"), DJANGO_ENV=name)
    assert result.returncode != 0 and "is not one of development, production" in result.stderr


def test_debug_is_refused_in_production():
    result = run(SETTING.format("s.DEBUG"), **production(DEBUG="1"))
    assert result.returncode != 0 and "DEBUG must be off" in result.stderr


@pytest.mark.parametrize("key", ["x", "change-me-to-a-long-random-string", "a" * 60,
                                 "django-insecure-" + "q1w2e3r4t5y6u7i8o9p0" * 3])
def test_a_weak_secret_key_is_refused_in_production(key):
    result = run(SETTING.format("1"), **production(SECRET_KEY=key))
    assert result.returncode != 0 and "SECRET_KEY is weak" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = run("import sys; from django.core.management import execute_from_command_line; "
                 "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
                 **production())
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_x_forwarded_proto_is_trusted_only_when_configured():
    untrusted = run(SETTING.format("getattr(s, 'SECURE_PROXY_SSL_HEADER', None)"), **production())
    assert untrusted.stdout.strip() == "None"
    trusted = run(SETTING.format("s.SECURE_PROXY_SSL_HEADER"), **production(SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto"))
    assert trusted.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_hsts_and_the_https_redirect_are_configurable():
    result = run(SETTING.format("s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS"),
                 **production(SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="600"))
    assert result.stdout.strip() == "(False, 600)"
