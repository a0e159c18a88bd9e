"""Start-up checks: patients would silently get English if a language's catalog were not compiled."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Warning, register

from .catalogs import stale_catalogs


@register("translation")
def catalogs_compiled(app_configs, **kwargs):
    warnings = []
    for locale_dir in settings.LOCALE_PATHS:
        for po_path in stale_catalogs(Path(locale_dir)):
            warnings.append(Warning(
                f"{po_path} is not compiled, or changed since it was: patients are written to in English",
                hint="Run `manage.py compile_translations`.", id="reminders.W001"))
    for code, _name in settings.LANGUAGES:
        if code != "en" and not any((Path(d) / code / "LC_MESSAGES" / "django.po").exists()
                                    for d in settings.LOCALE_PATHS):
            warnings.append(Warning(f"the offered language {code!r} has no catalog in LOCALE_PATHS",
                                    hint="Add it with `manage.py makemessages -l CODE` (docs/reminders.md).",
                                    id="reminders.W002"))
    return warnings
