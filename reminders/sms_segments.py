"""How many SMS segments a text costs, and keeping texts in GSM-7 where that stays readable.

A text in the GSM 03.38 7-bit alphabet fits 160 septets in one segment, 153 in each part of a
longer one; a character of the extension table ({ } [ ] ~ \\ | ^ €) takes two septets and is never
split across parts. Any other character makes the whole text UCS-2: 70 UTF-16 units, 67 per part
(a character outside the Basic Multilingual Plane takes two units and is never split).

Spanish and Polish texts are folded to GSM-7 the way SMS senders in those countries commonly write
them (á → a, ł → l, ż → z, typographic quotes and dashes to plain ones), but only when folding makes
the whole text GSM-7: a text that would be UCS-2 anyway keeps its accents.
"""

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7 = GSM7_BASIC | GSM7_EXTENSION

#: Letters without a decomposition to a GSM-7 base letter, and punctuation with a plain equivalent.
FOLDS = {
    "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "œ": "oe", "Œ": "OE",
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
    "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-", "…": "...", "\u00a0": " ", "\u202f": " ", "\u2009": " ",
}

SINGLE_GSM7, PART_GSM7 = 160, 153
SINGLE_UCS2, PART_UCS2 = 70, 67


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int


def is_gsm7(text: str) -> bool:
    return GSM7.issuperset(text)


@lru_cache(maxsize=512)
def _fold_char(char: str) -> str:
    if char in GSM7:
        return char
    if char in FOLDS:
        return FOLDS[char]
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    return base if base and is_gsm7(base) else char


def fold_to_gsm7(text: str) -> str | None:
    """`text` in GSM-7 with its accents folded (ó → o, ł → l, ą → a), or None if it cannot be."""
    if is_gsm7(text):
        return text
    folded = "".join(_fold_char(char) for char in text)
    return folded if is_gsm7(folded) else None


def for_sms(text: str) -> str:
    """What to send: the text folded to GSM-7 when that is possible, otherwise as it is (UCS-2)."""
    return fold_to_gsm7(text) or text


def _parts(widths, single: int, part: int) -> int:
    count, used = 1, 0
    for width in widths:  # a character is never split between two parts
        if used + width > part:
            count, used = count + 1, 0
        used += width
    return count


def segments(text: str) -> Segments:
    """The segments `text` takes as it is (no folding)."""
    if is_gsm7(text):
        escaped = sum(map(text.count, GSM7_EXTENSION))  # two septets each
        units = len(text) + escaped
        if units <= SINGLE_GSM7:
            return Segments("GSM-7", units, 1)
        if not escaped:
            return Segments("GSM-7", units, -(-units // PART_GSM7))
        return Segments("GSM-7", units, _parts((2 if c in GSM7_EXTENSION else 1 for c in text), SINGLE_GSM7,
                                               PART_GSM7))
    units = len(text.encode("utf-16-le")) // 2
    if units <= SINGLE_UCS2:
        return Segments("UCS-2", units, 1)
    if units == len(text):  # no surrogate pairs
        return Segments("UCS-2", units, -(-units // PART_UCS2))
    return Segments("UCS-2", units, _parts((2 if ord(c) > 0xFFFF else 1 for c in text), SINGLE_UCS2, PART_UCS2))
