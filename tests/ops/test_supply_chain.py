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
