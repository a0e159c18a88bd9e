"""The compose file is valid and starts things in the right order with no fixed secrets; the image
never holds .env; the alert rules speak of metrics the service exposes; the probes work."""

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from ops.probe import main as probe
from ops.probe import probe_file, probe_http

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("migrate", "web", "worker", "beat")


def test_the_compose_file_validates_against_the_compose_specification():
    result = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec",
                             str(ROOT / "docker-compose.yml")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_web_worker_and_beat_start_only_after_the_migrations_ran():
    for name in ("web", "worker", "beat"):
        assert SERVICES[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
    assert "migrate --no-input" in SERVICES["migrate"]["command"] and SERVICES["migrate"]["restart"] == "no"
    assert "migrate" not in SERVICES["web"]["command"]


def test_settings_from_env_are_never_overridden_by_fixed_values_in_the_compose_file():
    for name in APP_SERVICES:
        for variable, value in SERVICES[name]["environment"].items():
            if variable == "BEAT_HEARTBEAT_FILE":  # a path inside the container, not a setting of the site
                continue
            assert re.fullmatch(r"\$\{" + variable + r":-.*\}", str(value)), f"{name}: {variable}={value}"


def test_no_password_is_written_in_the_compose_file():
    text = (ROOT / "docker-compose.yml").read_text()
    for match in re.finditer(r"^\s*[A-Z_]*(PASSWORD|SECRET|TOKEN|AUTH)[A-Z_]*:\s*(\S+)", text, re.M):
        assert match.group(2).startswith("${"), match.group(0)
    assert re.search(r"postgres://clinic:\$\{POSTGRES_PASSWORD:\?", text)
    assert "--requirepass" in text


def test_only_the_tls_proxy_is_published_and_the_data_services_are_on_an_internal_network():
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    assert published == {"caddy"}
    assert COMPOSE["networks"]["backend"]["internal"] is True
    assert SERVICES["db"]["networks"] == ["backend"] and SERVICES["redis"]["networks"] == ["backend"]
    caddy_ip = SERVICES["caddy"]["networks"]["frontend"]["ipv4_address"]
    assert caddy_ip in COMPOSE["x-app"]["environment"]["FORWARDED_ALLOW_IPS"]
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "reverse_proxy web:8000" in caddyfile and "{$SITE_ADDRESS}" in caddyfile


def test_web_worker_and_beat_have_healthchecks():
    assert "/health/live/" in " ".join(SERVICES["web"]["healthcheck"]["test"])
    assert "inspect ping" in " ".join(SERVICES["worker"]["healthcheck"]["test"])
    assert "beat-heartbeat" in " ".join(SERVICES["beat"]["healthcheck"]["test"])
    assert SERVICES["caddy"]["depends_on"]["web"] == {"condition": "service_healthy"}


def test_the_image_never_holds_env_files_and_installs_only_hashed_packages():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and ".env.*" in ignored and "!.env.example" in ignored
    assert "--require-hashes" in (ROOT / "Dockerfile").read_text()
    assert "USER app" in (ROOT / "Dockerfile").read_text()


def test_the_alert_rules_use_metrics_the_service_exposes(client, db, settings):
    rules = yaml.safe_load((ROOT / "deploy" / "prometheus" / "alerts.yml").read_text())
    names = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    assert {"ReminderSweepLagging", "ReminderSendsFailing", "HealthCheckFailing"} <= names
    from ops import metrics

    metrics.reset_store()
    metrics.observe_send("sms", "twilio", 0.2, "sent")  # families with no sample yet are not written
    metrics.observe_request("x", "GET", 200, 0.1)
    exposed = client.get("/metrics/").content.decode()
    used = {name for group in rules["groups"] for rule in group["rules"]
            for name in re.findall(r"\bclinic_[a-z_]+", rule["expr"])}
    declared = {re.sub(r"_total$", "", name) for name in re.findall(r"^# TYPE (clinic_[a-z_]+)", exposed, re.M)}
    for name in used:
        assert re.sub(r"_(bucket|count|sum|total)$", "", name) in declared, f"{name} is not exposed"
    lag = next(rule for group in rules["groups"] for rule in group["rules"] if rule["alert"] == "ReminderSweepLagging")
    assert lag["expr"] == "clinic_reminders_oldest_due_seconds > 300"


def test_the_beat_probe_fails_once_its_heartbeat_file_is_stale(tmp_path):
    beat = tmp_path / "beat-heartbeat"
    assert probe_file(str(beat), 180)[0] is False
    beat.touch()
    assert probe(["file", str(beat), "--max-age", "180"]) == 0
    old = time.time() - 181
    import os

    os.utime(beat, (old, old))
    assert probe(["file", str(beat), "--max-age", "180"]) == 1


@pytest.mark.django_db
def test_the_web_probe_asks_the_liveness_endpoint(live_server):
    assert probe_http(f"{live_server.url}/health/live/") == (True, f"{live_server.url}/health/live/ answered 200")
    assert probe_http(f"{live_server.url}/no-such-page/")[0] is False
