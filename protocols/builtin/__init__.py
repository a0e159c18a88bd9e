"""The built-in protocols, shipped as JSON data."""

import json
from pathlib import Path

BUILTIN_DIR = Path(__file__).resolve().parent


def builtin_definitions() -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted(BUILTIN_DIR.glob("*.json"))]


def builtin_definition(slug: str) -> dict:
    return json.loads((BUILTIN_DIR / f"{slug}.json").read_text())
