"""The catalogs: every patient-facing string translated, compiled without GNU gettext, checked at start-up."""

import gettext
import shutil
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command

from reminders.catalogs import CatalogError, compile_catalogs
from reminders.checks import catalogs_compiled

LOCALE = Path(settings.LOCALE_PATHS[0])
TRANSLATED = [code for code, _ in settings.LANGUAGES if code != "en"]
KEYWORDS = {**DEFAULT_KEYWORDS, "gettext_noop": None, "gettext_lazy": None, "pgettext_lazy": ((1, "c"), 2)}
SOURCE_DIRS = ["reminders", "clinics", "patients", "dashboard", "alerts", "protocols", "config"]


def marked_strings() -> set[tuple[str | None, str]]:
    """(context, text) of every string the code marks for translation."""
    found = set()
    for directory in SOURCE_DIRS:
        for _file, _line, message, _comments, context in extract_from_dir(
                settings.BASE_DIR / directory, method_map=[("**/migrations/**.py", "ignore"), ("**.py", "python")],
                keywords=KEYWORDS):
            found.add((context, message if isinstance(message, str) else message[0]))
    return found


def catalog(language: str):
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
        return read_po(handle)


def test_spanish_and_polish_are_offered_and_shipped():
    assert TRANSLATED == ["es", "pl"]
    assert all((LOCALE / code / "LC_MESSAGES" / "django.po").exists() for code in TRANSLATED)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_the_code_marks_is_translated(language):
    strings = marked_strings()
    assert len(strings) > 60  # the extraction found the messages, not nothing
    translations = {(m.context, m.id): m for m in catalog(language) if m.id}
    missing = sorted(text for key, text in ((k, k[1]) for k in strings) if key not in translations)
    untranslated = sorted(text for key, text in ((k, k[1]) for k in strings)
                          if key in translations and (not translations[key].string or translations[key].fuzzy))
    assert not missing, f"run `manage.py makemessages -l {language}` and translate: {missing}"
    assert not untranslated, f"not translated in {language}: {untranslated}"


def test_the_catalogs_compile_without_gnu_gettext_and_load_with_pythons_gettext(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))
    assert shutil.which("msgfmt") is None
    written = compile_catalogs(LOCALE, out_dir=tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == [
        "es/LC_MESSAGES/django.mo", "pl/LC_MESSAGES/django.mo"]
    spanish = gettext.translation("django", localedir=tmp_path, languages=["es"])
    polish = gettext.translation("django", localedir=tmp_path, languages=["pl"])
    assert spanish.gettext("Reply STOP to opt out.") == "Responda STOP para darse de baja."
    assert polish.gettext("Reply STOP to opt out.") == "Odpisz STOP, aby zrezygnować."
    assert polish.pgettext("date pattern", "EEEE d MMMM") == "EEEE d MMMM"
    assert spanish.pgettext("date pattern", "EEEE d MMMM") == "EEEE d 'de' MMMM"


@pytest.mark.parametrize("spanish", ["Su dosis ha quedado registrada.",  # the clinic left out
                                     "Su dosis ha quedado registrada. %(clinica)s ya puede verla."])  # misspelt
def test_a_translation_whose_placeholders_differ_from_the_english_is_refused(tmp_path, spanish):
    po = tmp_path / "es" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n#, python-format\n'
                  f'msgid "Your dose is recorded. %(clinic)s can see it."\nmsgstr "{spanish}"\n', encoding="utf-8")
    with pytest.raises(CatalogError, match="placeholder"):
        compile_catalogs(tmp_path)
    assert not po.with_suffix(".mo").exists()


def test_the_command_compiles_the_shipped_catalogs(capsys):
    call_command("compile_translations")
    assert "Compiled 2 translation catalog(s)" in capsys.readouterr().out
    assert all((LOCALE / code / "LC_MESSAGES" / "django.mo").exists() for code in TRANSLATED)


def test_start_up_warns_when_a_catalog_was_not_compiled(tmp_path, settings):
    shutil.copytree(LOCALE / "es", tmp_path / "es", ignore=shutil.ignore_patterns("*.mo"))
    settings.LOCALE_PATHS = [tmp_path]
    warnings = catalogs_compiled(None)
    assert {w.id for w in warnings} == {"reminders.W001", "reminders.W002"}  # es not compiled, pl not shipped
    compile_catalogs(tmp_path)
    assert {w.id for w in catalogs_compiled(None)} == {"reminders.W002"}
