"""OperationOutcome answers and reading a FHIR JSON body within bounds."""

from __future__ import annotations

import json
from decimal import Decimal

from fhir.resources.R4B.operationoutcome import OperationOutcome

from ..limits import FHIR_MAX_BODY_BYTES, FHIR_MAX_DEPTH
from .common import validated


def issue(code: str, diagnostics: str, expression: str | None = None, severity: str = "error") -> dict:
    found = {"severity": severity, "code": code, "diagnostics": diagnostics[:2000]}
    if expression:
        found["expression"] = [expression]
    return found


class FhirError(Exception):
    """An answer with an OperationOutcome: `status` and the issues (each naming where and why)."""

    def __init__(self, status: int, issues: list[dict]):
        super().__init__("; ".join(i["diagnostics"] for i in issues))
        self.status = status
        self.issues = issues

    def outcome(self) -> dict:
        return operation_outcome(self.issues)


def operation_outcome(issues: list[dict]) -> dict:
    return validated(OperationOutcome, {"resourceType": "OperationOutcome", "issue": issues})


def _depth(data) -> int:
    deepest, stack = 0, [(data, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if level > FHIR_MAX_DEPTH:
            return level
        if isinstance(node, dict):
            stack.extend((v, level + 1) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, level + 1) for v in node if isinstance(v, dict | list))
    return deepest


def read_json(body: bytes) -> dict:
    """The request body as a JSON object (decimals kept exact), or FhirError 400/413."""
    if len(body) > FHIR_MAX_BODY_BYTES:
        raise FhirError(413, [issue("too-costly", f"the body is over {FHIR_MAX_BODY_BYTES:,} bytes")])
    if b"\x00" in body or b"\\u0000" in body:
        raise FhirError(400, [issue("structure", "the body contains NUL characters, which no FHIR string may hold")])
    try:
        data = json.loads(body.decode("utf-8"), parse_float=Decimal)
    except RecursionError:
        raise FhirError(400, [issue("structure", f"the JSON is nested deeper than {FHIR_MAX_DEPTH} levels")]) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise FhirError(400, [issue("structure", f"the body is not JSON: {exc}")]) from None
    if not isinstance(data, dict):
        raise FhirError(400, [issue("structure", "the body must be a JSON object (a FHIR resource)")])
    try:
        json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError:
        raise FhirError(400, [issue("structure", "the body has an unpaired surrogate escape (\\ud800-\\udfff): "
                                                 "not valid Unicode text")]) from None
    if _depth(data) > FHIR_MAX_DEPTH:
        raise FhirError(400, [issue("structure", f"the JSON is nested deeper than {FHIR_MAX_DEPTH} levels")])
    return data


def validation_issues(exc, where: str) -> list[dict]:
    """A pydantic ValidationError of a fhir.resources model as issues naming each element."""
    issues = []
    for error in exc.errors()[:20]:
        path = where
        for part in error.get("loc", ()):
            path += f"[{part}]" if isinstance(part, int) else f".{part}"
        issues.append(issue("structure" if error.get("type") == "extra_forbidden" else "value",
                            f"{path}: {error.get('msg', 'invalid')}", path))
    return issues or [issue("structure", f"{where} is not a valid resource", where)]
