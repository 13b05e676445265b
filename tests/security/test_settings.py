"""Production settings, headers, password rules, and no PHI in logs."""

from __future__ import annotations

import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.logging import StripQueryStringFilter

BASE = Path(settings.BASE_DIR)


def _production_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "PYTEST_VERSION",
            "DEBUG",
            "HTTPS_ONLY",
            "DATABASE_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
        and not key.startswith("PYTEST_")
    }
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="clinic.example.org",
        DJANGO_SETTINGS_MODULE="clinic.settings",
        **extra,
    )
    return env


def test_production_settings_pass_check_deploy_without_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = _production_env()
    env.pop("SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_https_only_can_be_switched_off_for_a_plain_http_benchmark():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, s.DEBUG)"
    )
    run = lambda **env: subprocess.run(  # noqa: E731
        [sys.executable, "-c", code],
        cwd=BASE,
        env=_production_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.split()
    assert run() == ["True", "True", "True", "31536000", "False"]
    assert run(HTTPS_ONLY="false") == ["False", "False", "False", "0", "False"]


def test_hsts_covers_subdomains_and_preload():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SESSION_COOKIE_NAME)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.split()
    assert out == ["True", "True", "__Host-sessionid"]


@pytest.mark.parametrize(
    "password",
    ["short-pw-1", "password1234", "123456789012345"],
)
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_long_uncommon_password_is_accepted():
    validate_password("violet-tractor-harbour-91")


def test_minimum_length_is_twelve():
    validators = {v["NAME"].rsplit(".", 1)[1]: v for v in settings.AUTH_PASSWORD_VALIDATORS}
    assert validators["MinimumLengthValidator"]["OPTIONS"]["min_length"] >= 12
    assert "CommonPasswordValidator" in validators


def test_sessions_live_in_the_database():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


# --- headers -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_authenticated_pages_are_never_cached(client, clinician, patient):
    client.force_login(clinician)
    for url in [reverse("dashboard"), reverse("patients:detail", args=[patient.pk])]:
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_the_csp_header_allows_no_inline_script(client, clinician):
    client.force_login(clinician)
    header = client.get(reverse("dashboard"))["Content-Security-Policy"]
    directives = dict(
        [*part.strip().split(" ", 1), ""][:2] for part in header.split(";") if part.strip()
    )
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"]
    assert "unsafe-eval" not in header
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.django_db
def test_login_page_has_csp_and_frame_protection(client):
    response = client.get(reverse("login"))
    assert "Content-Security-Policy" in response
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
_INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
_JS_URL = re.compile(r"href\s*=\s*[\"']\s*javascript:", re.I)


def test_no_template_carries_inline_script_or_event_handlers():
    offenders = []
    for path in (BASE / "templates").rglob("*.html"):
        text = path.read_text()
        for pattern in (_INLINE_SCRIPT, _INLINE_HANDLER, _JS_URL):
            for match in pattern.finditer(text):
                offenders.append(f"{path.relative_to(BASE)}: {match.group(0)!r}")
    assert not offenders, "inline script is blocked by the CSP:\n" + "\n".join(offenders)


def test_htmx_requests_carry_the_csrf_token():
    base = (BASE / "templates" / "base.html").read_text()
    assert """hx-headers='{"X-CSRFToken": "{{ csrf_token }}"}'""" in base


# --- no PHI in logs ----------------------------------------------------------------------------


def test_query_strings_are_cut_out_of_log_lines():
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /patients/?q=Rivera HTTP/1.1", "200", "512"),
        None,
    )
    StripQueryStringFilter().filter(record)
    assert "Rivera" not in record.getMessage()
    assert "/patients/" in record.getMessage()


def test_sql_is_never_logged_even_at_debug_level():
    assert settings.LOGGING["loggers"]["django.db.backends"]["level"] in {"WARNING", "ERROR"}
    assert settings.LOGGING["loggers"]["django.db.backends"]["propagate"] is False
    console = settings.LOGGING["handlers"]["console"]
    assert "no_query_strings" in console["filters"]
