"""Settings for the clinic scheduler.

Everything that differs between a laptop and production comes from the environment. The
defaults are safe for development (SQLite, an embedded Celery transport); production must set
``DJANGO_ENV=production`` and then missing secrets fail loudly at start-up.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config import startup_checks

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Environment and start-up checks (config/startup_checks.py) ----------------------------------------
DJANGO_ENV = startup_checks.environment(os.environ.get("DJANGO_ENV"))
PRODUCTION = DJANGO_ENV == "production"
DEBUG = env_bool("DEBUG", not PRODUCTION)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if PRODUCTION:
    startup_checks.check_production(debug=DEBUG, secret_key=SECRET_KEY)
elif not SECRET_KEY:
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
# --- end of environment and start-up checks -----------------------------------------------------------

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "anymail",
    "clinics",
    "protocols",
    "patients",
    "alerts",
    "reminders",
    "dashboard",
    "ops",
    "interop",
    "audit",
]

MIDDLEWARE = [
    # Operations: /health/, /health/live/ and /metrics/ answered first; then the request id and log line.
    "ops.middleware.OpsEndpointsMiddleware",
    "ops.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "dashboard.middleware.IdleLogoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "audit.middleware.PatientAccessLogMiddleware",
    # Last, as django-axes requires: answers a locked-out sign-in on every login path.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboard.context_processors.staff",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A busy timeout lets the web process, the worker and beat share the development file.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, so that a worker subprocess started by a test sees the test database (one per run).
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}

AUTH_USER_MODEL = "clinics.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
#: The languages patients are written to in (Patient.language, Clinic.language). Staff pages stay in
#: English. Their catalogs are locale/<code>/LC_MESSAGES/django.po, compiled by
#: `manage.py compile_translations` (docs/reminders.md, "Languages").
LANGUAGES = [("en", "English"), ("es", "Spanish"), ("pl", "Polish")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"

# --- Sign-in: lockout (django-axes), second factor (django-otp), API tokens (django-rest-knox) ----------
#: Staff pages: sign out after this many idle minutes.
SESSION_IDLE_TIMEOUT_MINUTES = int(os.environ.get("SESSION_IDLE_TIMEOUT_MINUTES", "15"))
#: Every login path (/login/, /admin/login/) is locked for a username from one address after this many
#: failures within the window; an address is locked for every username after LOGIN_ADDRESS_FAILURES.
LOGIN_LOCKOUT_FAILURES = int(os.environ.get("LOGIN_LOCKOUT_FAILURES", "5"))
LOGIN_ADDRESS_FAILURES = int(os.environ.get("LOGIN_ADDRESS_FAILURES", "30"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "dashboard.lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = "dashboard.lockout.failure_limit"
AXES_COOLOFF_TIME = "dashboard.lockout.cool_off"
AXES_USERNAME_CALLABLE = "dashboard.lockout.username_of"
AXES_LOCKOUT_CALLABLE = "dashboard.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
#: A lock lifts LOGIN_LOCKOUT_MINUTES after the failure that set it, however often it is tried meanwhile.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False
#: Behind a reverse proxy, the number of proxies that append to X-Forwarded-For (the client's address is
#: read from it); unset: the address is the connection's own (REMOTE_ADDR), and X-Forwarded-For is ignored.
TRUSTED_PROXY_COUNT = int(os.environ["TRUSTED_PROXY_COUNT"]) if os.environ.get("TRUSTED_PROXY_COUNT") else None
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Clinic scheduler")
#: API tokens expire this many days after they are issued.
API_TOKEN_TTL_DAYS = int(os.environ.get("API_TOKEN_TTL_DAYS", "90"))
REST_KNOX = {"TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS), "AUTH_HEADER_PREFIX": "Token", "AUTO_REFRESH": False}
#: Who read which patient is kept this many days (then a daily task forgets it).
ACCESS_LOG_RETENTION_DAYS = int(os.environ.get("ACCESS_LOG_RETENTION_DAYS", str(6 * 366)))
# --- end of sign-in ----------------------------------------------------------------------------------

# --- HTTPS, proxy headers, browser policies -----------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", PRODUCTION)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
#: Health checks from inside the deployment may use plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600) if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
#: Only when a proxy in front sets it (and strips it from clients): the header that says the request came by
#: HTTPS, e.g. X-Forwarded-Proto. Unset, the header is ignored (a client could send it).
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + os.environ["SECURE_PROXY_SSL_HEADER"].strip().upper().replace("-", "_"),
                               "https")
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)
X_FRAME_OPTIONS = "DENY"
#: No inline script anywhere; inline style attributes (bar widths) are allowed, style elements are not.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# --- end of HTTPS, proxy headers, browser policies ----------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["clinics.permissions.IsClinicStaff"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "config.schema.ClinicAutoSchema",
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "COERCE_DECIMAL_TO_STRING": False,
}

# --- Input bounds (every request) ---------------------------------------------------------------------
#: A JSON body larger than this answers 413; one nested deeper than this answers 400.
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(1024 * 1024)))
API_MAX_JSON_DEPTH = int(os.environ.get("API_MAX_JSON_DEPTH", "20"))
#: Form bodies (the staff pages) and the number of fields in one.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(1024 * 1024)))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
# --- end of input bounds ------------------------------------------------------------------------------

SPECTACULAR_SETTINGS = {
    "TITLE": "Clinic treatment-protocol scheduler API",
    "DESCRIPTION": "Protocols, patients, enrollments, schedules, administrations, lab results and alerts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI is served from the installed package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery: Redis in production; an embedded filesystem transport when no broker is configured,
# so a machine with only Python can run the web server, a worker and beat.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_FOLDER = Path(os.environ.get("CELERY_BROKER_FOLDER", VAR_DIR / "broker"))
if CELERY_BROKER_URL.startswith("filesystem"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER),
        "data_folder_out": str(CELERY_BROKER_FOLDER),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "store_processed": False,
    }
    for _folder in ("processed", "control"):
        (CELERY_BROKER_FOLDER / _folder).mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Tasks running when the broker connection drops are cancelled and redelivered, not left to the
# visibility timeout (work that must not be lost lives in database rows anyway).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "reminders@clinic.invalid")
# django-anymail (an email provider's API as EMAIL_BACKEND, and its bounce/complaint webhooks at
# /r/email/<provider>/tracking/): every ANYMAIL_<NAME> variable becomes ANYMAIL["<NAME>"], e.g.
# ANYMAIL_WEBHOOK_SECRET=user:password, ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY=..., ANYMAIL_POSTMARK_SERVER_TOKEN=...
ANYMAIL = {name.removeprefix("ANYMAIL_"): value for name, value in os.environ.items() if name.startswith("ANYMAIL_")}

# Reminders (docs/reminders.md): links in messages start with PUBLIC_BASE_URL; texts go through SMS_BACKEND
# (console, file, null, twilio or a dotted path).
# In development it follows HOST and PORT (as scripts/run serves), so a demo's links reach its own server.
_DEV_HOST = os.environ.get("HOST", "").strip() or "localhost"
_DEV_HOST = "localhost" if _DEV_HOST in ("0.0.0.0", "::", "[::]") else _DEV_HOST
_DEV_BASE_URL = f"http://{_DEV_HOST}:{os.environ.get('PORT', '').strip() or '8000'}"
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "" if PRODUCTION else _DEV_BASE_URL).rstrip("/")
REMINDERS_SMS_BACKEND = os.environ.get("SMS_BACKEND", "twilio" if PRODUCTION else "console")
REMINDERS_SMS_FILE = os.environ.get("SMS_FILE", str(VAR_DIR / "sms.jsonl"))
REMINDERS_SMS_WEBHOOK_SECRET = os.environ.get("SMS_WEBHOOK_SECRET", "")
# Sending (docs/reminders.md): messages in flight at once per sweep and channel; a claim's lease is
# this margin plus the time its rows should take; providers' rate limits, shared by every worker
# (0 = unlimited; Twilio's default for a US long-code sender is 1 message segment per second).
REMINDERS_SMS_CONCURRENCY = int(os.environ.get("REMINDERS_SMS_CONCURRENCY", "32"))
REMINDERS_EMAIL_CONCURRENCY = int(os.environ.get("REMINDERS_EMAIL_CONCURRENCY", "8"))
REMINDERS_LEASE_MARGIN_SECONDS = float(os.environ.get("REMINDERS_LEASE_MARGIN_SECONDS", "30"))
REMINDERS_RETRY_BASE_SECONDS = float(os.environ.get("REMINDERS_RETRY_BASE_SECONDS", "30"))
REMINDERS_MAX_SENDERS = int(os.environ.get("REMINDERS_MAX_SENDERS", "8"))
REMINDERS_RATE_LIMIT_URL = os.environ.get("REMINDERS_RATE_LIMIT_URL", "")
TWILIO_MAX_PER_SECOND = float(os.environ.get("TWILIO_MAX_PER_SECOND", "1"))
EMAIL_MAX_PER_SECOND = float(os.environ.get("EMAIL_MAX_PER_SECOND", "0"))
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = os.environ.get("TWILIO_FROM_NUMBER", "")
TWILIO_MESSAGING_SERVICE_SID = os.environ.get("TWILIO_MESSAGING_SERVICE_SID", "")
TWILIO_API_URL = os.environ.get("TWILIO_API_URL", "https://api.twilio.com")
if PRODUCTION and not PUBLIC_BASE_URL:
    raise ImproperlyConfigured("PUBLIC_BASE_URL must be set when DJANGO_ENV=production (links in reminders)")
if PRODUCTION and REMINDERS_SMS_BACKEND == "twilio" and not (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN):
    raise ImproperlyConfigured("SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")

# --- Operations: logging -------------------------------------------------------------------------
# JSON lines in production, readable text in development (LOG_FORMAT overrides); see docs/operations.md.
from ops.logconfig import logging_config  # noqa: E402  (stdlib only; no Django needed)

LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "text")
LOGGING = logging_config(fmt=LOG_FORMAT, level=os.environ.get("LOG_LEVEL", "INFO"))

# --- Operations: error reports (Sentry) ---------------------------------------------------------------
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    from ops.sentry import init_sentry  # noqa: E402

    init_sentry(dsn=SENTRY_DSN, environment=os.environ.get("SENTRY_ENVIRONMENT", os.environ.get("DJANGO_ENV", "development")),
                release=os.environ.get("SENTRY_RELEASE"),
                traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")))

# --- Operations: health and metrics -------------------------------------------------------------------
#: /health/ fails when the reminder sweep (every minute) or the alert sweep (hourly) last succeeded
#: longer ago than this (counted from the beat's start if that is later).
HEALTH_REMINDERS_SWEEP_MAX_AGE_SECONDS = int(os.environ.get("HEALTH_REMINDERS_SWEEP_MAX_AGE_SECONDS", "180"))
HEALTH_ALERTS_SWEEP_MAX_AGE_SECONDS = int(os.environ.get("HEALTH_ALERTS_SWEEP_MAX_AGE_SECONDS", str(2 * 3600)))
HEALTH_BROKER_TIMEOUT_SECONDS = float(os.environ.get("HEALTH_BROKER_TIMEOUT_SECONDS", "3"))
#: Touched by Celery beat each time it queues the reminder sweep (the beat container's healthcheck).
BEAT_HEARTBEAT_FILE = os.environ.get("BEAT_HEARTBEAT_FILE", str(VAR_DIR / "beat-heartbeat"))
#: /metrics/ needs "Authorization: Bearer <METRICS_TOKEN>"; without a token it is open in
#: development and closed in production.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
#: Where every process adds up its counters (default: the broker, when it is Redis); none: per process.
METRICS_REDIS_URL = os.environ.get(
    "METRICS_REDIS_URL", CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else "")
METRICS_REDIS_PREFIX = os.environ.get("METRICS_REDIS_PREFIX", "clinic:metrics:")
#: Counting reminders by status is done at most this often (seconds); the sweep's lag is always fresh.
METRICS_DB_CACHE_SECONDS = int(os.environ.get("METRICS_DB_CACHE_SECONDS", "30"))
# django-axes logs each sign-in at INFO; failures and lockouts are warnings.
LOGGING.setdefault("loggers", {})["axes"] = {"level": "WARNING"}

VAR_DIR.mkdir(parents=True, exist_ok=True)
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
