"""Settings for the clinic project: one file, every deployment choice read from the environment.

Local development needs nothing set (SQLite, DEBUG on via `make run`). Production sets at least
SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL; see README.md, "Configuration".
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
# pytest sets PYTEST_VERSION for the whole run; tests get the development key too.
TESTING = "PYTEST_VERSION" in os.environ

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    # Security: change history (auditlog), login throttling (axes), Content Security Policy.
    "auditlog",
    "axes",
    "csp",
    "facilities",
    "accounts",
    "patients",
    "sessions_app",
    "reports",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Security/audit layer (audit/middleware.py): idle logoff, actor+IP for auditlog, read and
    # denied-access logging, no-store on authenticated pages. Axes stays last (its docs).
    "audit.middleware.IdleLogoffMiddleware",
    "audit.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "audit.middleware.NoStoreMiddleware",
    "audit.middleware.AccessLogMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.urls"

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
                "accounts.context_processors.capabilities",
            ],
        },
    },
]

WSGI_APPLICATION = "clinic.wsgi.application"

# Database: DATABASE_URL, e.g. postgres://user:pass@host:5432/clinic. Default: SQLite in the
# project folder, so that `make run` needs no server.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # A new PostgreSQL connection per request costs about 6x the throughput on a small box.
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# The clinic's wall clock. Everything is stored in UTC and shown in this zone.
TIME_ZONE = os.environ.get("CLINIC_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not (DEBUG or TESTING)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # No PHI in application logs: URLs carry ids only, and query strings (filters) are cut off;
    # SQL (whose parameters would hold PHI) is never logged, whatever LOG_LEVEL says.
    "filters": {"no_query_strings": {"()": "audit.logging.StripQueryStringFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["no_query_strings"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING", "handlers": ["console"], "propagate": False},
    },
}

# ---------------------------------------------------------------------------------------------
# Clinical rules a medical director may tune. Defaults and their sources: ../shared/DOMAIN.md.
# sessions_app/rules.py is the only reader of this block.
# ---------------------------------------------------------------------------------------------
CLINIC_RULES = {
    # Pre-dose vitals older than this do not open the medication phase.
    "PRE_DOSE_VITALS_MAX_AGE_MINUTES": 30,
    # Physiologically implausible values are refused as typos: (low, high) inclusive.
    "VITALS_PLAUSIBLE": {
        "systolic": (50, 260),
        "diastolic": (30, 160),
        "heart_rate": (20, 250),
        "spo2": (50, 100),
        "respiratory_rate": (4, 60),
    },
    # Accepted but flagged for attention.
    "PRE_DOSE_SYSTOLIC_ABOVE": 140,
    "PRE_DOSE_DIASTOLIC_ABOVE": 90,
    "ANY_TIME_SYSTOLIC_AT_LEAST": 180,
    "ANY_TIME_DIASTOLIC_AT_LEAST": 110,
    "ANY_TIME_HEART_RATE_ABOVE": 110,
    "ANY_TIME_SPO2_BELOW": 92,
    # Vitals cadence (minutes): IV during infusion / after it; IM after the dose.
    "IV_VITALS_EVERY_MINUTES_DURING_INFUSION": 10,
    "VITALS_EVERY_MINUTES_AFTER_DOSE": 15,
    "IV_DEFAULT_INFUSION_MINUTES": 40,
    # Spravato (esketamine).
    "SPRAVATO_DEVICE_MG": 28,
    "SPRAVATO_ALLOWED_TOTAL_MG": (56, 84),
    "SPRAVATO_OLDER_ADULT_AGE": 65,
    "SPRAVATO_OLDER_ADULT_START_MG": 28,
    "SPRAVATO_MINUTES_BETWEEN_DEVICES": 5,
    "SPRAVATO_MONITORING_MINUTES": 120,
    "SPRAVATO_BP_CHECK_MINUTES": 40,
    "SPRAVATO_BP_CHECK_WINDOW_MINUTES": (30, 60),
    "SPRAVATO_DISCHARGE_BP_WITHIN_MINUTES": 30,
    # Group sessions never exceed this, nor the room's capacity.
    "GROUP_MAX_PATIENTS": 6,
}

# REMS requirements change over time: each is a switch here, not woven through the code.
REMS = {
    "REQUIRE_ENROLMENT_TO_BOOK": env_bool("REMS_REQUIRE_ENROLMENT", True),
    "MONITORING_FORM_REQUIRED": env_bool("REMS_MONITORING_FORM_REQUIRED", True),
    "MONITORING_FORM_DEADLINE_DAYS": int(os.environ.get("REMS_FORM_DEADLINE_DAYS", "7")),
}

CLINIC_NAME = os.environ.get("CLINIC_NAME", "Evergreen Ketamine Clinic")

# ---------------------------------------------------------------------------------------------
# Security (issue 4). Secure by default when DEBUG is off; README "Security" explains each knob.
# ---------------------------------------------------------------------------------------------
from datetime import timedelta  # noqa: E402

from csp.constants import NONE, SELF  # noqa: E402

# HTTPS_ONLY=false only where the app is served over plain HTTP on purpose (the benchmark on
# http://127.0.0.1, a laptop). It turns off the HTTPS redirect, HSTS and Secure cookies together.
HTTPS_ONLY = env_bool("HTTPS_ONLY", not (DEBUG or TESTING))
SECURE_SSL_REDIRECT = HTTPS_ONLY
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "31536000")) if HTTPS_ONLY else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS_ONLY
SECURE_HSTS_PRELOAD = HTTPS_ONLY
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
if HTTPS_ONLY:
    # __Host- cookies: Secure, whole site, never set by a sibling subdomain.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
# Behind a TLS-terminating proxy (nginx, a load balancer) that sets X-Forwarded-Proto and
# strips it from clients: BEHIND_TLS_PROXY=true. Never set it when clients reach Django directly,
# or anyone could claim HTTPS.
if env_bool("BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies append to X-Forwarded-For in front of the app. 0: the client is REMOTE_ADDR
# (X-Forwarded-For is ignored, since a client can write anything there). Used by the audit
# trail's IP column and by axes.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Sessions live in the database (no process-local state): any worker can end them, and
# disabling a user deletes theirs (audit/receivers.py). Automatic logoff after
# IDLE_LOGOFF_MINUTES without a request (audit.middleware.IdleLogoffMiddleware; the cookie
# and the server-side row expire at the same moment), and at browser close.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
IDLE_LOGOFF_MINUTES = int(os.environ.get("IDLE_LOGOFF_MINUTES", "15"))
# One minute of slack: the middleware, which records activity once a minute, decides.
SESSION_COOKIE_AGE = IDLE_LOGOFF_MINUTES * 60 + 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Failed logins: django-axes counts them per username+IP pair, so an attacker guessing from
# elsewhere cannot lock a colleague out, and a lockout ends by itself after the cool-off.
AUTHENTICATION_BACKENDS = [
    "audit.backends.AxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A lockout ends a fixed time after it began: further tries during it do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if TRUSTED_PROXY_COUNT else ("REMOTE_ADDR",)
)
AXES_SENSITIVE_PARAMETERS = ["password"]

# Change history: django-auditlog (models registered in audit/registry.py).
AUDITLOG_DISABLE_REMOTE_ADDR = False

# Content Security Policy: scripts and styles only from our own static files; no inline
# script, no eval, no plugins, no framing. Inline style *attributes* stay allowed (they cannot
# run code; Bootstrap components set them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Break the glass: how long an emergency grant to a chart outside one's scope lasts.
BREAK_GLASS_HOURS = int(os.environ.get("BREAK_GLASS_HOURS", "4"))
