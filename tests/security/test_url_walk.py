"""Every URL of the project, for every role and for an anonymous visitor, with an object the
role may see ("own") and one it may not ("other"). The list of URLs comes from the resolver: a
new URL without a row in EXPECTED fails `test_every_url_has_an_expectation`.

Row format, statuses separated by spaces:
    GET own   : anonymous front_desk guide clinician administrator
    GET other : front_desk guide clinician administrator   (None: the URL has no object)
    POST other: anonymous front_desk guide clinician        (None: not a write endpoint)
An object outside the role's scope must answer exactly as a missing one: 404 (or 403/405 when
the role may not use the page at all, which does not depend on the object either).
POSTs go only to objects outside the role's scope (or to roles without the capability), so they
cannot change anything; what an allowed POST does is each screen's own tests' business.

WALK_DISCOVER=1 prints the statuses observed, in this format, for review when URLs are added.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.roles import Role
from audit.logged_views import LOGGED_VIEWS, NOT_LOGGED_VIEWS
from sessions_app.models import IntegrationNote, Session, VitalSign
from tests import factories as f

ROLES = ["front_desk", "guide", "clinician", "administrator"]

EXPECTED: dict[str, tuple[str, str | None, str | None]] = {
    # project
    "dashboard": ("302 200 200 200 200", None, None),
    "ping": ("302 200 200 200 200", None, None),
    "login": ("200 200 200 200 200", None, None),
    "logout": ("405 405 405 405 405", None, None),
    # patients (a forbidden or hidden chart: 404 like a missing one)
    "patients:list": ("302 200 200 200 200", None, None),
    "patients:create": ("302 200 403 200 200", None, None),
    "patients:detail": ("302 200 200 200 200", "404 404 404 200", "302 404 404 404"),
    "patients:edit": ("302 200 403 200 200", "404 403 404 200", "302 404 403 404"),
    "patients:deactivate": ("405 405 405 405 405", "405 405 405 405", "302 404 403 404"),
    "patients:assessment_create": ("302 403 200 200 403", "403 404 404 403", "302 403 404 404"),
    "patients:course_create": ("302 404 403 200 200", "404 403 404 200", "302 404 403 404"),
    # reports (administrators only; the REMS form needs a Spravato participant, so 404 here)
    "reports:index": ("302 403 403 403 200", None, None),
    "reports:activity": ("302 403 403 403 200", None, None),
    "reports:staff": ("302 403 403 403 200", None, None),
    "reports:clinical_flow": ("302 403 403 403 200", None, None),
    "reports:rems": ("302 403 403 403 200", None, None),
    "reports:rems_form": ("302 403 403 403 404", "403 403 403 404", "405 405 405 405"),
    "reports:outcomes": ("302 403 403 403 200", None, None),
    "reports:substances": ("302 403 403 403 200", None, None),
    "reports:export": ("302 403 403 403 200", None, None),
    # audit trail and break the glass (an empty reason re-shows the form: 200)
    "audit:list": ("302 403 403 403 200", None, None),
    "audit:export": ("302 403 403 403 200", None, None),
    "audit:break_glass": ("302 403 403 302 403", "403 403 200 403", "302 403 403 200"),
    # schedule, booking, run sheet, clinical records, notes, board
    "sessions_app:schedule_day": ("302 200 200 200 200", None, None),
    "sessions_app:schedule_week": ("302 200 200 200 200", None, None),
    "sessions_app:book": ("302 200 403 403 200", None, None),
    "sessions_app:book_for_patient": ("302 200 403 403 200", "404 403 403 200", "302 404 403 403"),
    "sessions_app:reschedule": ("302 200 403 403 200", "404 403 403 200", "302 404 403 403"),
    "sessions_app:cancel": ("302 200 403 403 200", "404 403 403 200", "302 404 403 403"),
    "sessions_app:no_show": ("405 405 405 405 405", "405 405 405 405", "302 404 403 403"),
    "sessions_app:check_in": ("405 405 405 405 405", "405 405 405 405", "302 404 403 403"),
    "sessions_app:participant_no_show": (
        "405 405 405 405 405",
        "405 405 405 405",
        "302 404 403 403",
    ),
    "sessions_app:detail": ("302 200 200 200 200", "404 404 404 200", "302 404 404 404"),
    "sessions_app:advance": ("302 403 403 405 403", "403 403 405 403", "302 403 403 404"),
    "sessions_app:vitals_add": ("302 403 403 405 403", "403 403 405 403", "302 403 403 404"),
    "sessions_app:dose_add": ("302 403 403 405 403", "403 403 405 403", "302 403 403 404"),
    "sessions_app:device_add": ("302 403 403 405 403", "403 403 405 403", "302 403 403 404"),
    "sessions_app:dose_decision_add": ("302 403 403 405 403", "403 403 405 403", "302 403 403 404"),
    "sessions_app:adverse_event_add": ("302 403 403 405 403", "403 403 405 403", "302 403 403 404"),
    "sessions_app:discharge": ("302 403 403 405 403", "403 403 405 403", "302 403 403 404"),
    "sessions_app:rems_submit": ("302 403 403 405 403", "403 403 405 403", "302 403 403 404"),
    "sessions_app:preparation_update": (
        "302 403 405 405 403",
        "403 405 405 403",
        "302 403 404 404",
    ),
    "sessions_app:vitals_addendum": ("302 403 403 405 403", "403 403 405 403", "302 403 403 404"),
    "sessions_app:notes": ("302 403 200 200 200", "403 404 404 200", "302 403 404 404"),
    "sessions_app:note_addendum": ("302 403 405 403 403", "403 405 403 403", "302 403 404 403"),
    "sessions_app:my_sessions": ("302 403 200 403 403", None, None),
    "sessions_app:board": ("302 403 403 200 200", None, None),
}

# Which world object each URL keyword stands for. Keyed by (namespace, keyword); "*" = any.
KWARG_KINDS = {
    ("patients", "pk"): "patient",
    ("*", "patient_pk"): "patient",
    ("sessions_app", "pk"): "session",
    ("*", "session_pk"): "session",
    ("*", "participant_pk"): "participant",
    ("*", "vital_pk"): "vital",
    ("*", "note_pk"): "note",
    ("*", "course_pk"): "course",
    ("*", "location_pk"): "location",
}


# URL keywords that name a thing rather than a scoped object: one fixed value per URL.
FIXED_KWARGS: dict[str, dict[str, str]] = {
    "reports:export": {"slug": "activity", "table": "periods"},
}


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    namespace: str
    kwargs: tuple[str, ...]


def _walk(patterns, namespace: str = "") -> list[Route]:
    routes = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            full = ":".join(n for n in (namespace, inner) if n)
            routes += _walk(pattern.url_patterns, full)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else (pattern.name or "")
            fixed = FIXED_KWARGS.get(name, {})
            groups = pattern.pattern.regex.groupindex  # path() and re_path() alike
            kwargs = tuple(k for k in groups if k not in fixed)
            routes.append(Route(name=name, namespace=namespace, kwargs=kwargs))
    return routes


def all_routes() -> list[Route]:
    return _walk(get_resolver().url_patterns)


def project_routes() -> list[Route]:
    return [r for r in all_routes() if not r.namespace.startswith("admin")]


def _kind(route: Route, kwarg: str) -> str:
    top = route.namespace.split(":")[0]
    kind = KWARG_KINDS.get((top, kwarg)) or KWARG_KINDS.get(("*", kwarg))
    assert kind, f"{route.name}: no world object for URL keyword {kwarg!r}; add it to KWARG_KINDS"
    return kind


# --- the world ---------------------------------------------------------------------------------


@pytest.fixture
def world(db):
    """Two locations. Every non-administrator works at "own"; "other" has its own staff."""
    own_loc, other_loc = f.make_location("Own"), f.make_location("Other")
    users = {
        "front_desk": f.make_user(Role.FRONT_DESK, username="fd", locations=[own_loc]),
        "guide": f.make_user(Role.GUIDE, username="gu", locations=[own_loc]),
        "clinician": f.make_user(Role.CLINICIAN, username="cl", locations=[own_loc]),
        "administrator": f.make_user(Role.ADMINISTRATOR, username="ad", locations=[own_loc]),
    }
    other_guide = f.make_user(Role.GUIDE, username="gu2", locations=[other_loc])
    other_clinician = f.make_user(Role.CLINICIAN, username="cl2", locations=[other_loc])
    objects = {}
    for side, loc, guide, clinician in [
        ("own", own_loc, users["guide"], users["clinician"]),
        ("other", other_loc, other_guide, other_clinician),
    ]:
        room = f.make_room(loc)
        patient = f.make_patient(loc)
        session = f.book(
            patients=[patient],
            room=room,
            guide=guide,
            clinician=clinician,
            actor=clinician,
            starts_at=f.at(2),
        )
        participant = session.participants.get()
        now = timezone.now()
        vital = VitalSign.objects.create(
            participant=participant,
            recorded_at=now,
            recorded_by=clinician,
            phase=Session.Phase.PREPARATION,
            systolic=120,
            diastolic=80,
            heart_rate=70,
            spo2=98,
        )
        note = IntegrationNote.objects.create(
            participant=participant,
            author=guide,
            written_at=now - timedelta(minutes=1),
            activity=IntegrationNote.Activity.choices[0][0],
            text="note",
        )
        objects[side] = {
            "patient": patient,
            "session": session,
            "participant": participant,
            "vital": vital,
            "note": note,
            "location": loc,
            "course": None,
        }
    return users, objects


def _url(route: Route, objects: dict) -> str:
    kwargs = dict(FIXED_KWARGS.get(route.name, {}))
    for kwarg in route.kwargs:
        obj = objects[_kind(route, kwarg)]
        assert obj is not None, f"{route.name}: the world has no {_kind(route, kwarg)}"
        kwargs[kwarg] = obj.pk
    return reverse(route.name, kwargs=kwargs)


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _observe(world) -> dict[str, dict[str, dict[str, int]]]:
    """Statuses per route: {"get_own": {who: status}, "get_other": {...}, "post_other": {...}}."""
    users, objects = world
    clients = {"anonymous": _client(None), **{role: _client(users[role]) for role in ROLES}}
    seen = {}
    for route in project_routes():
        row = {"get_own": {}, "get_other": {}, "post_other": {}}
        own = _url(route, objects["own"])
        for who, client in clients.items():
            row["get_own"][who] = client.get(own).status_code
        if route.kwargs:
            other = _url(route, objects["other"])
            for who in ROLES:
                row["get_other"][who] = clients[who].get(other).status_code
            for who in ["anonymous", "front_desk", "guide", "clinician"]:
                row["post_other"][who] = clients[who].post(other, {}).status_code
        seen[route.name] = row
    return seen


def _fmt(statuses: dict[str, int], order: list[str]) -> str:
    return " ".join(str(statuses[who]) for who in order)


GET_OWN_ORDER = ["anonymous", *ROLES]
POST_ORDER = ["anonymous", "front_desk", "guide", "clinician"]


def test_every_url_has_an_expectation():
    names = {route.name for route in project_routes()}
    missing = sorted(names - set(EXPECTED))
    unnamed = [r for r in project_routes() if not r.name or r.name.endswith(":")]
    assert not unnamed, f"URL patterns without a name cannot be checked: {unnamed}"
    assert not missing, (
        "URLs without an access expectation in tests/security/test_url_walk.py EXPECTED: "
        + ", ".join(missing)
    )
    stale = sorted(set(EXPECTED) - names)
    assert not stale, f"EXPECTED lists URLs that no longer exist: {stale}"


def test_every_page_with_an_object_id_decides_about_read_logging():
    undecided = sorted(
        route.name
        for route in project_routes()
        if route.kwargs and route.name not in LOGGED_VIEWS and route.name not in NOT_LOGGED_VIEWS
    )
    assert not undecided, (
        "pages with an object id in the path must be in audit/logged_views.py LOGGED_VIEWS "
        f"(a view is written to the access trail) or NOT_LOGGED_VIEWS (and why): {undecided}"
    )


@pytest.mark.django_db
def test_every_url_answers_as_the_permission_matrix_says(world):
    seen = _observe(world)
    if os.environ.get("WALK_DISCOVER"):
        for name, row in seen.items():
            other = f'"{_fmt(row["get_other"], ROLES)}"' if row["get_other"] else None
            post = f'"{_fmt(row["post_other"], POST_ORDER)}"' if row["post_other"] else None
            print(f'    "{name}": ("{_fmt(row["get_own"], GET_OWN_ORDER)}", {other}, {post}),')
    wrong = []
    for name, row in seen.items():
        if name not in EXPECTED:
            continue  # reported by test_every_url_has_an_expectation
        get_own, get_other, post_other = EXPECTED[name]
        checks = [("GET own", get_own, row["get_own"], GET_OWN_ORDER)]
        if row["get_other"]:
            checks.append(("GET other", get_other, row["get_other"], ROLES))
            if post_other is not None:
                checks.append(("POST other", post_other, row["post_other"], POST_ORDER))
        for label, expected, observed, order in checks:
            assert expected is not None, f"{name}: {label} expectation missing"
            for who, want in zip(order, expected.split(), strict=True):
                if str(observed[who]) != want:
                    wrong.append(f"{name} {label} as {who}: {observed[who]} (expected {want})")
    assert not wrong, "\n".join(wrong)


_CSRF = re.compile(rb"[A-Za-z0-9]{64}")


def _page(response, ids: list[int]) -> bytes:
    """The body without its per-request CSRF token and the ids that were asked for (a
    not-found page may echo the path; it must not differ in anything else)."""
    body = _CSRF.sub(b"<token>", response.content)
    for pk in ids:
        body = body.replace(b"/%d/" % pk, b"/<id>/")
    return body


@pytest.mark.django_db
def test_a_hidden_object_answers_like_a_missing_one(world):
    """Same status and same body for an object outside the scope and for one that never was."""
    users, objects = world
    for route in project_routes():
        if not route.kwargs:
            continue
        other = _url(route, objects["other"])
        missing = other
        asked = [objects["other"][_kind(route, kwarg)].pk for kwarg in route.kwargs]
        for pk in asked:
            missing = missing.replace(f"/{pk}/", "/987654/")
        for role in ["front_desk", "guide", "clinician"]:
            client = _client(users[role])
            hidden_response, missing_response = client.get(other), client.get(missing)
            if hidden_response.status_code == 404:
                assert missing_response.status_code == 404, f"{route.name} as {role}"
                assert _page(hidden_response, asked) == _page(missing_response, [987654]), (
                    route.name
                )


@pytest.mark.django_db
def test_admin_urls_are_for_staff_only(world):
    """The Django admin (admin:*): anyone without is_staff is sent to the admin login."""
    users, _ = world
    admin_routes = [r for r in all_routes() if r.namespace.startswith("admin") and not r.kwargs]
    assert admin_routes
    for who in [None, *(users[r] for r in ROLES)]:
        client = _client(who)
        is_staff = who is not None and who.is_staff
        for route in admin_routes:
            if route.name in {"admin:login", "admin:logout", "admin:password_change_done"}:
                continue
            response = client.get(reverse(route.name))
            if is_staff:
                assert response.status_code in {200, 302, 403}, route.name
            else:
                assert response.status_code == 302, (route.name, who)
                assert response.url.startswith(reverse("admin:login")), route.name


def test_anonymous_user_is_not_authenticated():
    assert not AnonymousUser().is_authenticated
