"""One searchable trail out of two tables: auditlog's change history and our access events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, CharField, F, QuerySet, TextField, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from .forms import CHANGE_ACTIONS
from .models import AccessEvent

COLUMNS = (
    "ts",
    "actor_ref",
    "uname",
    "action_name",
    "ctype",
    "obj_pk",
    "obj_repr",
    "url",
    "ip",
    "info",
    "source",
)


@dataclass
class TrailRow:
    timestamp: datetime
    actor: str
    action: str
    object_type: str
    object_pk: str
    object_repr: str
    url_name: str
    remote_addr: str
    detail: str
    source: str


def _changes(filters: dict) -> QuerySet:
    qs = LogEntry.objects.all()
    action = filters.get("action")
    if action:
        # An access-only action: this half is empty (but keeps its columns for the union).
        qs = qs.filter(action=CHANGE_ACTIONS[action]) if action in CHANGE_ACTIONS else qs.none()
    qs = _common(qs, filters, user_field="actor", ip_field="remote_addr")
    return qs.annotate(
        ts=F("timestamp"),
        actor_ref=F("actor_id"),
        uname=Value("", output_field=CharField()),
        action_name=Case(
            *[When(action=number, then=Value(name)) for name, number in CHANGE_ACTIONS.items()],
            default=Value("change"),
            output_field=CharField(),
        ),
        ctype=F("content_type_id"),
        obj_pk=F("object_pk"),
        obj_repr=F("object_repr"),
        url=Value("", output_field=CharField()),
        ip=F("remote_addr"),
        info=Cast("changes", output_field=TextField()),
        source=Value("change", output_field=CharField()),
    ).values_list(*COLUMNS)


def _access(filters: dict) -> QuerySet:
    qs = AccessEvent.objects.all()
    action = filters.get("action")
    if action:
        qs = qs.filter(action=action) if action in AccessEvent.Action.values else qs.none()
    qs = _common(qs, filters, user_field="actor", ip_field="remote_addr")
    return qs.annotate(
        ts=F("timestamp"),
        actor_ref=F("actor_id"),
        uname=F("username"),
        action_name=F("action"),
        ctype=F("content_type_id"),
        obj_pk=F("object_pk"),
        obj_repr=Value("", output_field=CharField()),
        url=F("url_name"),
        ip=F("remote_addr"),
        info=Cast("detail", output_field=TextField()),
        source=Value("access", output_field=CharField()),
    ).values_list(*COLUMNS)


def _common(qs: QuerySet, filters: dict, *, user_field: str, ip_field: str) -> QuerySet:
    tz = timezone.get_current_timezone()
    if filters.get("user"):
        qs = qs.filter(**{user_field: filters["user"]})
    if filters.get("object_type"):
        app_label, model = filters["object_type"].split(".", 1)
        ctype = ContentType.objects.get_by_natural_key(app_label, model)
        qs = qs.filter(content_type=ctype)
    if filters.get("object_id"):
        qs = qs.filter(object_pk=filters["object_id"])
    if filters.get("date_from"):
        qs = qs.filter(timestamp__gte=datetime.combine(filters["date_from"], time.min, tz))
    if filters.get("date_to"):
        qs = qs.filter(timestamp__lte=datetime.combine(filters["date_to"], time.max, tz))
    if filters.get("ip"):
        qs = qs.filter(**{ip_field: filters["ip"]})
    return qs


def trail(filters: dict) -> QuerySet:
    """Both tables, filtered, as one queryset of tuples (COLUMNS), sorted by time."""
    order = filters.get("order") or "-timestamp"
    if order not in {"-timestamp", "timestamp"}:  # allow-list: no user text reaches ORDER BY
        order = "-timestamp"
    direction = "-ts" if order.startswith("-") else "ts"
    # Both models have a default ordering, which a compound statement's parts may not carry.
    changes, access = _changes(filters).order_by(), _access(filters).order_by()
    return changes.union(access, all=True).order_by(direction)


def rows(tuples) -> list[TrailRow]:
    """Turn raw tuples into rows with names, resolving users and types in two queries."""
    tuples = list(tuples)
    users = get_user_model().objects.in_bulk({t[1] for t in tuples if t[1] is not None})
    result = []
    for ts, actor_id, uname, action, ctype_id, obj_pk, obj_repr, url, ip, info, source in tuples:
        user = users.get(actor_id)
        ctype = ContentType.objects.get_for_id(ctype_id) if ctype_id else None
        model = ctype.model_class() if ctype else None
        result.append(
            TrailRow(
                timestamp=ts,
                actor=user.get_username() if user else (uname or ""),
                action=action,
                object_type=model._meta.label if model else "",
                object_pk=obj_pk or "",
                object_repr=obj_repr or "",
                url_name=url or "",
                remote_addr=ip or "",
                detail=info or "",
                source=source,
            )
        )
    return result
