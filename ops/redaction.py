"""Scrubbing free text before it leaves the process (log lines, error reports).

Patient data never belongs in a log line or an error report; code does not put it there. This is
the second line of defence for text that code does not control, such as an exception's message:
email addresses, phone numbers, the row values PostgreSQL quotes in an error's DETAIL, and the
secret tokens of patients' links are replaced.
"""

import re

REDACTED = "[redacted]"

_PATTERNS = [
    # PostgreSQL repeats the offending row's values: "DETAIL:  Key (clinic_id, mrn)=(1, A100) already exists."
    (re.compile(r"DETAIL:.*", re.DOTALL), f"DETAIL: {REDACTED}"),
    (re.compile(r"Failing row contains \(.*?\)\.?", re.DOTALL), f"Failing row contains {REDACTED}"),
    (re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), "[email]"),
    # Phone numbers: E.164 or 7+ digits with the usual separators (not ids, times or dates).
    (re.compile(r"(?<![\w.:/-])\+\d[\d\s().-]{6,18}\d(?![\w.:-])"), "[phone]"),
    (re.compile(r"(?<![\w.:/-])0\d[\d\s-]{8,14}\d(?![\w.:-])"), "[phone]"),
    # Patients' links: /r/taken/<token>/, /r/unsubscribe/<token>/, /r/calendar/<token>.ics
    (re.compile(r"(/r/(?:taken|unsubscribe|calendar)/)[^/\s?\"']+"), r"\1[token]"),
]


def redact(text: str) -> str:
    if not text:
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
