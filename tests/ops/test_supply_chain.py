"""Every locked package has a hash, and the vendored htmx is the version a scanner is told about."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("lock", ["requirements.txt", "requirements-dev.txt"])
def test_every_pinned_requirement_has_a_hash(lock):
    entries = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / lock).read_text())
    pinned = [entry for entry in entries if re.match(r"^[A-Za-z0-9_.-]+==", entry)]
    assert len(pinned) > 20
    for entry in pinned:
        assert "--hash=sha256:" in entry, entry.splitlines()[0]


def test_the_vendored_htmx_is_recorded_for_dependency_scanners():
    lock = json.loads((ROOT / "vendor-manifest" / "package-lock.json").read_text())
    locked = lock["packages"]["node_modules/htmx.org"]["version"]
    assert locked == json.loads((ROOT / "vendor-manifest" / "package.json").read_text())["dependencies"]["htmx.org"]
    shipped = (ROOT / "static" / "vendor" / "htmx" / "htmx.min.js").read_text()
    assert f'version:"{locked}"' in shipped
    assert (ROOT / "static" / "vendor" / "htmx" / "VERSION").read_text().startswith(f"htmx.org {locked} ")


def audit_module():
    import importlib.machinery
    import importlib.util

    loader = importlib.machinery.SourceFileLoader("scripts_audit", str(ROOT / "scripts" / "audit"))
    spec = importlib.util.spec_from_loader("scripts_audit", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def report(*vulns, skipped=0):
    deps = [{"name": "django", "version": "5.2.1", "vulns": list(vulns)}, {"name": "celery", "version": "5.7.0",
                                                                          "vulns": []}]
    deps += [{"name": f"skipped{n}", "skip_reason": "not on PyPI"} for n in range(skipped)]
    return {"dependencies": deps}


def test_the_audit_fails_on_a_known_vulnerability_with_a_fix():
    code, lines = audit_module().judge(report({"id": "PYSEC-1", "aliases": ["CVE-1"], "fix_versions": ["5.2.2"]}))
    assert code == 1 and "  VULNERABLE, fix available: django 5.2.1: PYSEC-1 CVE-1 -> fixed in 5.2.2" in lines


def test_the_audit_reports_but_passes_a_vulnerability_without_a_fix():
    code, lines = audit_module().judge(report({"id": "PYSEC-2", "aliases": [], "fix_versions": []}, skipped=1))
    assert code == 0 and any("no fix available" in line for line in lines)
    assert lines[0] == "dependency audit: 2 packages checked against PyPI's advisory service, 1 skipped (skipped0)"


def test_an_audit_that_could_check_nothing_says_so_instead_of_passing_quietly():
    code, lines = audit_module().judge({"dependencies": [{"name": "django", "skip_reason": "HTTP 404"}]})
    assert code == 0 and lines == ["dependency audit: NOT RUN - every package was skipped (HTTP 404)."]
