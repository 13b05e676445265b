"""Authentication and sessions: throttling, automatic logoff, session keys, disabled users."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from audit.middleware import BACKGROUND_HEADER
from audit.models import AccessEvent
from audit.receivers import end_sessions_of
from tests import factories as f

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _attempt(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- throttling (django-axes) ------------------------------------------------------------------


def test_five_failures_lock_that_username_from_that_address(client, clinician):
    for _ in range(4):
        assert _attempt(client, "clinician", "wrong-password").status_code == 200
    assert _attempt(client, "clinician", "wrong-password").status_code == 429
    response = _attempt(client, "clinician", f.PASSWORD)
    assert response.status_code == 429
    assert not _logged_in(client)
    assert AccessEvent.objects.filter(action="login_failed", username="clinician").count() >= 5


def test_a_lockout_does_not_lock_the_user_out_from_elsewhere(client, clinician):
    for _ in range(6):
        _attempt(client, "clinician", "wrong-password", ip="203.0.113.66")
    response = _attempt(client, "clinician", f.PASSWORD, ip="10.0.0.5")
    assert response.status_code == 302
    assert _logged_in(client)


def test_a_lockout_does_not_spill_over_to_other_users_at_that_address(client, clinician, guide):
    for _ in range(6):
        _attempt(client, "clinician", "wrong-password")
    assert _attempt(client, "guide", f.PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, clinician):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            _attempt(client, "clinician", "wrong-password")
        assert _attempt(client, "clinician", f.PASSWORD).status_code == 429
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert _attempt(client, "clinician", f.PASSWORD).status_code == 429
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert _attempt(client, "clinician", f.PASSWORD).status_code == 302
        assert _logged_in(client)


def test_a_success_resets_the_failure_count(client, clinician):
    for _ in range(4):
        _attempt(client, "clinician", "wrong-password")
    assert _attempt(client, "clinician", f.PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        _attempt(client, "clinician", "wrong-password")
    assert _attempt(client, "clinician", f.PASSWORD).status_code == 302


# --- session key and idle logoff ---------------------------------------------------------------


def test_login_issues_a_new_session_key(client, clinician, settings):
    client.get(LOGIN)
    session = client.session
    session["visited"] = True
    session.save()
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert _attempt(client, "clinician", f.PASSWORD).status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()


def test_idle_for_fifteen_minutes_logs_off(client, clinician):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _attempt(client, "clinician", f.PASSWORD)
        assert client.get(reverse("dashboard")).status_code == 200
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert client.get(reverse("dashboard")).status_code == 200
    with time_machine.travel(start + timedelta(minutes=28), tick=False):
        assert client.get(reverse("dashboard")).status_code == 200  # 14 min after last request
    with time_machine.travel(start + timedelta(minutes=43, seconds=30), tick=False):
        response = client.get(reverse("dashboard"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
        assert not _logged_in(client)
    assert AccessEvent.objects.filter(action="idle_logoff", actor=clinician).exists()


def test_the_idle_limit_is_configurable(client, clinician, settings):
    settings.IDLE_LOGOFF_MINUTES = 5
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _attempt(client, "clinician", f.PASSWORD)
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        assert client.get(reverse("dashboard")).status_code == 302


def test_background_polling_does_not_keep_a_session_alive(client, clinician):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _attempt(client, "clinician", f.PASSWORD)
    for minute in (5, 10, 14):
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            client.get(reverse("dashboard"), headers={BACKGROUND_HEADER: "1"})
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert client.get(reverse("dashboard")).status_code == 302


def test_the_session_cookie_expires_with_the_idle_limit(settings):
    assert settings.SESSION_COOKIE_AGE <= settings.IDLE_LOGOFF_MINUTES * 60 + 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


# --- disabling a user --------------------------------------------------------------------------


def test_disabling_a_user_ends_their_sessions(client, clinician, guide):
    from django.test import Client

    other = Client()
    other.force_login(guide)
    client.force_login(clinician)
    assert client.get(reverse("dashboard")).status_code == 200
    clinician.is_active = False
    clinician.save()
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    remaining = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert str(clinician.pk) not in remaining
    assert str(guide.pk) in remaining
    assert other.get(reverse("dashboard")).status_code == 200


def test_ending_sessions_counts_only_that_users(clinician, guide):
    from django.test import Client

    for user in (clinician, clinician, guide):
        Client().force_login(user)
    assert end_sessions_of(clinician.pk) == 2
    assert Session.objects.count() == 1


def test_a_disabled_user_cannot_log_in(client, clinician):
    clinician.is_active = False
    clinician.save()
    assert _attempt(client, "clinician", f.PASSWORD).status_code == 200
    assert not _logged_in(client)
