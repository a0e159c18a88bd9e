"""What start-up refuses: an unknown environment, DEBUG in production, a weak SECRET_KEY.

A misspelt DJANGO_ENV must never quietly run development settings on a production server.
"""

from django.core.exceptions import ImproperlyConfigured

ENVIRONMENTS = ("development", "production")
#: Keys shorter than this, or with fewer distinct characters, are refused in production (as Django's
#: `check --deploy` judges them).
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE = 5
PLACEHOLDERS = ("django-insecure", "change-me", "changeme", "dev-only", "secret")


def environment(value: str | None) -> str:
    """DJANGO_ENV, case-insensitively: 'production' or 'development' (the default); anything else stops start-up."""
    name = (value or "development").strip().lower()
    if name not in ENVIRONMENTS:
        raise ImproperlyConfigured(f"DJANGO_ENV={value!r} is not one of {', '.join(ENVIRONMENTS)}")
    return name


def check_production(*, debug: bool, secret_key: str) -> None:
    if debug:
        raise ImproperlyConfigured("DEBUG must be off when DJANGO_ENV=production (the debug page shows settings)")
    if not secret_key:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production")
    weak = (len(secret_key) < SECRET_KEY_MIN_LENGTH or len(set(secret_key)) < SECRET_KEY_MIN_UNIQUE
            or any(word in secret_key.lower() for word in PLACEHOLDERS))
    if weak:
        raise ImproperlyConfigured(
            f"SECRET_KEY is weak: use at least {SECRET_KEY_MIN_LENGTH} random characters, e.g. from "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
