"""Reading an uploaded CSV file within bounds, against the documented columns."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from ..limits import CSV_MAX_BYTES, CSV_MAX_CELL, CSV_MAX_COLUMNS, CSV_MAX_ROWS


class CsvRejected(ValueError):
    """The file as a whole cannot be imported (encoding, size, header)."""


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    help: str


def decode(raw: bytes) -> str:
    if len(raw) > CSV_MAX_BYTES:
        raise CsvRejected(f"the file is over {CSV_MAX_BYTES // 1_000_000} MB")
    if b"\x00" in raw:
        raise CsvRejected("the file contains NUL characters: it is not a CSV text file (save it as CSV, UTF-8)")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvRejected("the file is not text (save it as CSV, UTF-8)")


def _dialect(sample: str):
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def read_rows(content: str, columns: list[Column]) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: value}) for each non-empty row; CsvRejected for a bad file or header."""
    if len(content) > CSV_MAX_BYTES:
        raise CsvRejected(f"the file is over {CSV_MAX_BYTES // 1_000_000} MB")
    if not content.strip():
        raise CsvRejected("the file is empty")
    if "\x00" in content:
        raise CsvRejected("the file contains NUL characters: it is not a CSV text file")
    reader = csv.reader(io.StringIO(content, newline=""), _dialect(content[:4096]))
    try:
        header = next(reader)
    except csv.Error as exc:
        raise CsvRejected(f"line 1: {exc}") from None
    names = [h.strip().lower().replace(" ", "_") for h in header]
    if len(names) > CSV_MAX_COLUMNS:
        raise CsvRejected(f"the file has {len(names)} columns; at most {CSV_MAX_COLUMNS} are read")
    known = {c.name for c in columns}
    unknown = [n for n in names if n and n not in known]
    if unknown:
        raise CsvRejected(f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                          f"the columns are: {', '.join(c.name for c in columns)}")
    missing = [c.name for c in columns if c.required and c.name not in names]
    if missing:
        raise CsvRejected(f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
    duplicated = sorted({n for n in names if n and names.count(n) > 1})
    if duplicated:
        raise CsvRejected(f"column {', '.join(duplicated)} appears more than once")
    rows = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            line = reader.line_num
            if len(rows) >= CSV_MAX_ROWS:
                raise CsvRejected(f"the file has more than {CSV_MAX_ROWS:,} rows; split it")
            if len(values) > len(names):
                raise CsvRejected(f"line {line}: {len(values)} values for {len(names)} columns")
            long = next((names[i] for i, v in enumerate(values) if len(v) > CSV_MAX_CELL), None)
            if long:
                raise CsvRejected(f"line {line}: {long} is longer than {CSV_MAX_CELL} characters")
            rows.append((line, {name: (values[i].strip() if i < len(values) else "")
                                for i, name in enumerate(names) if name}))
    except csv.Error as exc:
        raise CsvRejected(f"line {reader.line_num}: {exc}") from None
    if not rows:
        raise CsvRejected("the file has a header but no rows")
    return rows


YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


def yes_no(value: str, default: bool) -> bool:
    if not value:
        return default
    if value.lower() in YES:
        return True
    if value.lower() in NO:
        return False
    raise ValueError("must be yes or no")
