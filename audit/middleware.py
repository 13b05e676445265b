"""Cross-cutting request handling: idle logoff, audit actor/IP, access logging, no-store."""

from __future__ import annotations

import time

from auditlog.middleware import AuditlogMiddleware
from django.apps import apps
from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from .ip import client_ip
from .logged_views import LOGGED_VIEWS
from .models import AccessEvent
from .services import access_record

LAST_ACTIVITY_KEY = "_audit_last_activity"
# Requests a page makes by itself (htmx polling on the board) send this header; they keep
# the data fresh but are not a person at the keyboard, so they do not postpone the logoff.
BACKGROUND_HEADER = "X-Clinic-Background"
# Writing the session on every request costs a database write per click; once a minute is
# precise enough for a 15-minute limit.
ACTIVITY_WRITE_EVERY_SECONDS = 60


def _is_authenticated(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class IdleLogoffMiddleware:
    """Logs a user off after IDLE_LOGOFF_MINUTES without a request (HIPAA automatic logoff)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _is_authenticated(request):
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_KEY)
            limit = settings.IDLE_LOGOFF_MINUTES * 60
            if isinstance(last, int) and now - last > limit:
                request._audit_idle_logoff = True
                logout(request)
            elif request.headers.get(BACKGROUND_HEADER):
                pass
            elif not isinstance(last, int) or now - last >= ACTIVITY_WRITE_EVERY_SECONDS:
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)


class AuditActorMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware (actor and IP on every change), with our IP rule: the
    X-Forwarded-For header counts only as far as TRUSTED_PROXY_COUNT proxies wrote it."""

    @staticmethod
    def _get_remote_addr(request):
        if settings.AUDITLOG_DISABLE_REMOTE_ADDR:
            return None
        return client_ip(request)


class NoStoreMiddleware:
    """`Cache-Control: no-store` on everything a logged-in user receives: no PHI in the
    browser's or a proxy's cache (the back button after logout shows nothing)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _is_authenticated(request) or not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response


class AccessLogMiddleware:
    """Records views of charts and notes (audit/logged_views.py) and every 403/404/429
    answered to a logged-in user."""

    DENIED_STATUSES = frozenset({403, 404, 429})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _is_authenticated(request):
            self._record(request, response)
        return response

    def _record(self, request: HttpRequest, response: HttpResponse) -> None:
        status = response.status_code
        match = getattr(request, "resolver_match", None)
        if status in self.DENIED_STATUSES:
            access_record(action=AccessEvent.Action.DENIED, request=request, status_code=status)
            return
        if not (200 <= status < 300 and match and request.method in ("GET", "HEAD")):
            return
        logged = LOGGED_VIEWS.get(match.view_name)
        if logged is None:
            return
        label, kwarg = logged
        access_record(
            action=AccessEvent.Action.VIEW,
            request=request,
            model=apps.get_model(label) if label else None,
            object_pk=match.kwargs.get(kwarg) if kwarg else None,
            status_code=status,
        )
