"""Signal receivers: logins, logouts, failed logins, and ending a disabled user's sessions."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.sessions.models import Session
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from .middleware import LAST_ACTIVITY_KEY
from .models import AccessEvent
from .services import access_record


@receiver(user_logged_in, dispatch_uid="audit_login")
def record_login(sender, request, user, **kwargs) -> None:
    access_record(action=AccessEvent.Action.LOGIN, request=request, actor=user)
    session = getattr(request, "session", None)
    if session is not None:
        session[LAST_ACTIVITY_KEY] = int(time.time())


@receiver(user_logged_out, dispatch_uid="audit_logout")
def record_logout(sender, request, user, **kwargs) -> None:
    if user is None:  # logging out without being logged in
        return
    idle = getattr(request, "_audit_idle_logoff", False)
    action = AccessEvent.Action.IDLE_LOGOFF if idle else AccessEvent.Action.LOGOUT
    access_record(action=action, request=request, actor=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # `credentials` arrives with the password already masked; only the username is kept.
    username = str(credentials.get("username", ""))[:150]
    locked = bool(getattr(request, "axes_locked_out", False))
    access_record(
        action=AccessEvent.Action.LOGIN_FAILED,
        request=request,
        actor=None,
        username=username,
        detail="locked out (too many failures)" if locked else "",
    )


def end_sessions_of(user_pk: int) -> int:
    """Delete every live database session that belongs to this user. Returns how many."""
    doomed = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = session.get_decoded()
        if str(data.get("_auth_user_id")) == str(user_pk):
            doomed.append(session.session_key)
    if doomed:
        Session.objects.filter(session_key__in=doomed).delete()
    return len(doomed)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="audit_end_disabled_sessions")
def end_sessions_of_disabled_user(sender, instance, created, **kwargs) -> None:
    if not created and not instance.is_active:
        end_sessions_of(instance.pk)
