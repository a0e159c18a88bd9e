"""HL7 v2 acknowledgements: MSA AA / AE / AR, with ERR segments naming where and why."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.utils import timezone

from .parse import Header

RECEIVING_APPLICATION = "TREATMENT-SCHEDULER"

#: HL7 table 0357 (message error condition codes) used here.
ERROR_TEXT = {
    "100": "Segment sequence error",
    "101": "Required field missing",
    "102": "Data type error",
    "103": "Table value not found",
    "200": "Unsupported message type",
    "203": "Unsupported version id",
    "204": "Unknown key identifier",
    "205": "Duplicate key identifier",
    "207": "Application internal error",
}


@dataclass(frozen=True)
class Problem:
    """Why a part of a message was not filed: where (segment, its position, field) and the reason."""

    segment: str
    position: int
    field: int
    code: str
    reason: str

    def __str__(self) -> str:
        return f"{self.segment} {self.position}: {self.reason}" if self.position else self.reason


def escape(text: str) -> str:
    """Text made safe for an HL7 field (the default delimiters)."""
    text = text.replace("\\", "\\E\\").replace("|", "\\F\\").replace("^", "\\S\\").replace("~", "\\R\\")
    return text.replace("&", "\\T\\").replace("\r", " ").replace("\n", " ")


def _err(problem: Problem, version: str) -> str:
    where = f"{problem.segment}^{problem.position or 1}^{problem.field}" if problem.segment else ""
    code = f"{problem.code}^{ERROR_TEXT.get(problem.code, 'Error')}^HL70357"
    if version in ("2.3", "2.3.1", "2.4"):
        # ERR-1 (ELD): segment^sequence^field^code&text&table; the reason follows in the text.
        location = where or "MSH^1^0"
        return f"ERR|{location}^{problem.code}&{escape(problem.reason)[:200]}&HL70357"
    return f"ERR||{where}|{code}|E||||{escape(problem.reason)[:250]}"


def build_ack(header: Header | None, code: str, text: str, problems: list[Problem] = ()) -> str:
    """An ACK answering `header`'s message (what can be read of it) with MSA-1 `code` and MSA-3 `text`."""
    header = header or Header()
    version = header.version if header.version else "2.5.1"
    kind = "ACK^R01" if version == "2.3" else "ACK^R01^ACK"
    now = timezone.now().strftime("%Y%m%d%H%M%S+0000")
    control = uuid.uuid4().hex[:20].upper()
    lines = [
        f"MSH|^~\\&|{escape(header.receiving_application or RECEIVING_APPLICATION)}|"
        f"{escape(header.receiving_facility)}|{escape(header.sending_application)}|{escape(header.sending_facility)}|"
        f"{now}||{kind}|{control}|{escape(header.processing_id or 'P')[:3]}|{escape(version)[:10]}",
        f"MSA|{code}|{escape(header.control_id)}|{escape(text)[:400]}",
    ]
    lines += [_err(problem, version) for problem in problems[:20]]
    return "\r".join(lines) + "\r"
