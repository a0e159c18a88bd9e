"""Compiling the translation catalogs (locale/<language>/LC_MESSAGES/django.po) to .mo files.

Pure Python (babel), so a machine without GNU gettext's msgfmt can build the project. The .mo
files are build output, never committed.
"""

import re
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

#: A named placeholder, as the messages use them: %(clinic)s.
PLACEHOLDER = re.compile(r"%\((\w+)\)")


class CatalogError(Exception):
    pass


def placeholder_problems(catalog) -> list[tuple[object, str]]:
    """Translations whose placeholders differ from the English (a text without its link, say)."""
    problems = [(message, "; ".join(map(str, errors))) for message, errors in catalog.check()]
    for message in catalog:
        if message.id and isinstance(message.string, str) and message.string:
            wanted, given = set(PLACEHOLDER.findall(message.id)), set(PLACEHOLDER.findall(message.string))
            if wanted != given:
                problems.append((message, f"placeholders {sorted(given)} where the English has {sorted(wanted)}"))
    return problems


def po_files(locale_dir: Path) -> list[Path]:
    return sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po"))


def compile_catalogs(locale_dir: Path, out_dir: Path | None = None) -> list[Path]:
    """Write a .mo beside each .po under `locale_dir` (or at the same place under `out_dir`).

    A catalog with a syntax error, or a translation whose %(name)s placeholders differ from the
    English, raises CatalogError and writes nothing for it.
    """
    written = []
    for po_path in po_files(locale_dir):
        with po_path.open("rb") as handle:
            try:
                catalog = read_po(handle, abort_invalid=True)
            except Exception as exc:  # babel raises its own PoFileError, or ValueError on a bad header
                raise CatalogError(f"{po_path}: {exc}") from exc
        problems = [f"{po_path}:{message.lineno}: {message.id!r}: {problem}"
                    for message, problem in placeholder_problems(catalog)]
        if problems:
            raise CatalogError("\n".join(problems))
        mo_path = po_path.with_suffix(".mo")
        if out_dir is not None:
            mo_path = Path(out_dir) / po_path.relative_to(locale_dir).with_suffix(".mo")
            mo_path.parent.mkdir(parents=True, exist_ok=True)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


def stale_catalogs(locale_dir: Path) -> list[Path]:
    """The .po files whose .mo is missing or older than they are."""
    stale = []
    for po_path in po_files(locale_dir):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            stale.append(po_path)
    return stale
