"""In development, links in reminders point at the server scripts/run started (HOST and PORT)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def base_url(**env) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("PUBLIC_BASE_URL", "HOST", "PORT", "DJANGO_ENV")}
    code = ("import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup(); "
            "from django.conf import settings; print(settings.PUBLIC_BASE_URL)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True,
                            text=True, timeout=60, check=True)
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("env, expected", [
    ({}, "http://localhost:8000"),
    ({"PORT": "8123"}, "http://localhost:8123"),
    ({"HOST": "192.168.1.20", "PORT": "9000"}, "http://192.168.1.20:9000"),
    ({"HOST": "0.0.0.0", "PORT": "8123"}, "http://localhost:8123"),
    ({"PORT": "8123", "PUBLIC_BASE_URL": "https://clinic.example.org/"}, "https://clinic.example.org"),
])
def test_development_links_follow_host_and_port(env, expected):
    assert base_url(**env) == expected
