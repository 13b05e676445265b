"""Writes to the audit trail and break-the-glass grants. Nothing else writes these tables."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from .ip import client_ip
from .models import AccessEvent, BreakGlassGrant

REASON_TOO_SHORT = "Give the clinical reason in at least {min} characters."
NOT_ALLOWED_TO_BREAK_GLASS = "Only clinicians may open a chart outside their scope."
REASON_MIN_LENGTH = 15


def access_record(
    *,
    action: str,
    request: HttpRequest | None = None,
    actor=None,
    username: str = "",
    obj: Model | None = None,
    model: type[Model] | None = None,
    object_pk: str | int | None = None,
    status_code: int | None = None,
    detail: str = "",
) -> AccessEvent:
    """One row in the access trail. `request` supplies path, method, url name and client IP."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if actor is not None and not username:
        username = actor.get_username()
    content_type = None
    if obj is not None:
        content_type = ContentType.objects.get_for_model(obj)
        object_pk = obj.pk
    elif model is not None:
        content_type = ContentType.objects.get_for_model(model)
    event = AccessEvent(
        actor=actor,
        username=username[:150],
        action=action,
        content_type=content_type,
        object_pk="" if object_pk is None else str(object_pk)[:64],
        status_code=status_code,
        detail=detail,
    )
    if request is not None:
        match = getattr(request, "resolver_match", None)
        event.url_name = (match.view_name if match else "")[:120]
        event.path = request.path[:500]
        event.method = request.method[:10] if request.method else ""
        event.remote_addr = client_ip(request)
    event.save()
    return event


@transaction.atomic
def break_glass_grant(*, user, patient, reason: str, request: HttpRequest | None = None):
    """Open `patient`'s chart to `user` for BREAK_GLASS_HOURS; recorded with the reason."""
    from accounts.permissions import Capability, user_can

    if not user_can(user, Capability.BREAK_THE_GLASS):
        raise ValidationError(NOT_ALLOWED_TO_BREAK_GLASS)
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise ValidationError({"reason": REASON_TOO_SHORT.format(min=REASON_MIN_LENGTH)})
    now = timezone.now()
    grant = BreakGlassGrant(
        user=user,
        patient=patient,
        reason=reason,
        created_at=now,
        expires_at=now + timedelta(hours=settings.BREAK_GLASS_HOURS),
        remote_addr=client_ip(request) if request is not None else None,
    )
    grant.full_clean()
    grant.save()
    access_record(
        action=AccessEvent.Action.BREAK_GLASS,
        request=request,
        actor=user,
        obj=patient,
        detail=reason,
    )
    return grant


def change_record(*, before: Model, after: Model):
    """Change history for a write that bypasses model signals (QuerySet.update, e.g. the
    compare-and-swap in patients.services.patient_update). Actor and IP come from the request
    context like every other auditlog entry. Returns the LogEntry, or None if nothing changed."""
    from auditlog.diff import model_instance_diff
    from auditlog.models import LogEntry

    changes = model_instance_diff(before, after)
    if not changes:
        return None
    return LogEntry.objects.log_create(after, action=LogEntry.Action.UPDATE, changes=changes)
