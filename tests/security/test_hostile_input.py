"""Hostile input to every form and filter: a form error or a clean 4xx, never a 500; stored
values are escaped when shown; sort and filter parameters stay inside their allow-lists.

Hypothesis draws, for each field of a form, either a hostile value (XSS, SQL metacharacters,
10,000 characters, NUL bytes, unicode, huge and negative numbers, impossible dates) or a
plausible one, so that some examples get past field validation into the services.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.roles import Role
from tests import factories as f

XSS = '<script>alert("x")</script>'
HOSTILE_VALUES = [
    XSS,
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "'; DROP TABLE patients_patient; --",
    "1 OR 1=1",
    "' OR ''='",
    "%",
    "_",
    "\\",
    "\x00",
    "abc\x00def",
    "A" * 10_000,
    "😀" * 300,
    "\u202eevil",
    "Ω≈ç√∫",
    "",
    " ",
    "-1",
    "0",
    "-99999999999999999999",
    "99999999999999999999999",
    "1e308",
    "NaN",
    "Infinity",
    "3.14159",
    "2026-02-31",
    "2026-13-01",
    "0000-00-00",
    "1899-12-31",
    "9999-12-31",
    "2026-01-01T25:61",
    "2026-06-01T10:00",
    "1999-01-01T00:00",
    "{{ 7|add:7 }}",
    "../../etc/passwd",
    "on",
    "true",
    "[]",
]
HOSTILE = st.one_of(
    st.sampled_from(HOSTILE_VALUES),
    st.text(max_size=40),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.dates().map(str),
)
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
    database=None,
)


def _fields(names, plausible: dict | None = None):
    plausible = plausible or {}
    return st.fixed_dictionaries(
        {},
        optional={
            name: st.one_of(HOSTILE, st.just(plausible[name])) if name in plausible else HOSTILE
            for name in names
        },
    )


def _assert_clean(response) -> None:
    assert response.status_code < 500
    if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
        assert XSS.encode() not in response.content


@pytest.fixture
def cast(db):
    loc = f.make_location("Fuzz")
    users = {
        "front_desk": f.make_user(Role.FRONT_DESK, locations=[loc]),
        "guide": f.make_user(Role.GUIDE, locations=[loc]),
        "clinician": f.make_user(Role.CLINICIAN, locations=[loc]),
        "administrator": f.make_user(Role.ADMINISTRATOR, locations=[loc]),
    }
    room = f.make_room(loc, capacity=8)
    patient = f.make_patient(loc)
    session = f.book(
        patients=[patient],
        room=room,
        guide=users["guide"],
        clinician=users["clinician"],
        actor=users["front_desk"],
        starts_at=f.at(0.25),
    )
    # In progress, checked in, pre-dose vitals taken: the clinical forms reach their services.
    f.start_and_check_in(session, users["clinician"])
    f.record_pre_dose_vitals(session, users["clinician"])
    clients = {}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    return {
        "users": users,
        "clients": clients,
        "loc": loc,
        "room": room,
        "patient": patient,
        "session": session,
        "participant": session.participants.get(),
    }


PATIENT_FIELDS = [
    "mrn",
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "home_location",
    "email",
    "phone",
    "address",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_relationship",
    "contraindications",
    "allergies",
    "current_medications",
    "prior_treatments",
    "consent_signed_on",
    "preferred_guide",
    "rems_patient_id",
    "rems_enrolled_on",
    "version",
    "has_ketamine_hypersensitivity",
]


@given(
    data=_fields(
        PATIENT_FIELDS,
        {"mrn": "MRN-F1", "first_name": "Ann", "last_name": "Lee", "date_of_birth": "1980-01-02"},
    )
)
@FUZZ
def test_patient_create_and_edit(cast, data):
    client = cast["clients"]["front_desk"]
    data = {**data}
    data.setdefault("home_location", str(cast["loc"].pk))
    _assert_clean(client.post(reverse("patients:create"), data))
    _assert_clean(client.post(reverse("patients:edit", args=[cast["patient"].pk]), data))


@given(
    data=_fields(
        [
            "q",
            "query",
            "search",
            "last_name",
            "first_name",
            "date_of_birth",
            "mrn",
            "include_inactive",
            "location",
            "page",
        ]
    )
)
@FUZZ
def test_patient_search(cast, data):
    client = cast["clients"]["front_desk"]
    _assert_clean(client.post(reverse("patients:list"), data))
    _assert_clean(client.get(reverse("patients:list"), {"page": data.get("page", "1")}))


@given(
    data=_fields(
        [
            "service_type",
            "patients",
            "room",
            "start",
            "starts_at",
            "ends_at",
            "minutes",
            "duration",
            "lead_guide",
            "co_guide",
            "clinician",
            "repeat",
            "weeks",
            "count",
            "every",
            "notes",
            "next",
            "reason",
        ]
    )
)
@FUZZ
def test_booking_reschedule_and_cancel(cast, data):
    client = cast["clients"]["front_desk"]
    session = cast["session"]
    _assert_clean(client.post(reverse("sessions_app:book"), data))
    _assert_clean(client.get(reverse("sessions_app:book"), data))
    _assert_clean(client.post(reverse("sessions_app:reschedule", args=[session.pk]), data))
    _assert_clean(client.post(reverse("sessions_app:cancel", args=[session.pk]), data))


CLINICAL_FORMS = {
    "vitals_add": (
        "vitals",
        [
            "systolic",
            "diastolic",
            "heart_rate",
            "spo2",
            "respiratory_rate",
            "sedation",
            "dissociation",
            "note",
            "recorded_at",
        ],
    ),
    "dose_add": (
        "dose",
        [
            "dose_mg",
            "weight_kg",
            "lot_number",
            "wasted_mg",
            "witness",
            "given_at",
            "infusion_minutes",
            "route",
            "drug",
        ],
    ),
    "device_add": ("device", ["lot_number", "given_at", "device_number"]),
    "dose_decision_add": ("decision", ["decision", "reason", "proceed", "note"]),
    "adverse_event_add": (
        "adverse_event",
        ["kind", "severity", "description", "action_taken", "occurred_at"],
    ),
    "discharge": ("discharge", ["ready_to_leave_at", "transport_arrangement", "note"]),
    "rems_submit": (
        "rems",
        [
            "first_treatment",
            "benzodiazepines",
            "lot_number",
            "total_minutes",
            "dose_mg",
            "serious_adverse_events",
        ],
    ),
}


@pytest.mark.parametrize("url_name", sorted(CLINICAL_FORMS))
def test_clinical_forms(cast, url_name):
    name, fields = CLINICAL_FORMS[url_name]
    prefix = f"p{cast['participant'].pk}-{name}-"
    session, participant = cast["session"], cast["participant"]
    url = reverse(f"sessions_app:{url_name}", args=[session.pk, participant.pk])
    client = cast["clients"]["clinician"]

    @given(data=_fields([prefix + field for field in fields]))
    @FUZZ
    def run(data):
        _assert_clean(client.post(url, data))

    run()


@given(
    data=_fields(
        [
            "intention",
            "grounding_done",
            "breathwork_done",
            "set_and_setting_done",
            "text",
            "activity",
            "written_at",
            "expected_phase",
        ]
    )
)
@FUZZ
def test_preparation_notes_addenda_and_phase_step(cast, data):
    session, participant = cast["session"], cast["participant"]
    guide, clinician = cast["clients"]["guide"], cast["clients"]["clinician"]
    prefixed = {f"p{participant.pk}-preparation-{k}": v for k, v in data.items()}
    _assert_clean(
        guide.post(
            reverse("sessions_app:preparation_update", args=[session.pk, participant.pk]), prefixed
        )
    )
    notes = reverse("sessions_app:notes", args=[session.pk, participant.pk])
    _assert_clean(guide.post(notes, data))
    _assert_clean(clinician.post(reverse("sessions_app:advance", args=[session.pk]), data))


@given(
    data=_fields(
        [
            "scale",
            "administered_on",
            "course",
            "kind",
            "service_type",
            "planned_sessions",
            "started_on",
            "notes",
            *[f"item_{i}" for i in range(1, 24)],
            *[f"q{i}" for i in range(1, 24)],
        ]
    )
)
@FUZZ
def test_assessments_and_courses(cast, data):
    client = cast["clients"]["clinician"]
    pk = cast["patient"].pk
    _assert_clean(client.post(reverse("patients:assessment_create", args=[pk]), data))
    _assert_clean(
        client.get(
            reverse("patients:assessment_create", args=[pk]), {"scale": data.get("scale", "")}
        )
    )
    _assert_clean(client.post(reverse("patients:course_create", args=[pk]), data))


FILTER_FIELDS = [
    "date",
    "location",
    "room",
    "guide",
    "clinician",
    "service_type",
    "status",
    "start",
    "end",
    "date_from",
    "date_to",
    "period",
    "group_by",
    "order",
    "sort",
    "page",
    "user",
    "action",
    "object_type",
    "object_id",
    "ip",
    "week",
    "view",
]


@given(data=_fields(FILTER_FIELDS))
@FUZZ
def test_schedule_board_report_and_audit_filters(cast, data):
    admin = cast["clients"]["administrator"]
    clinician = cast["clients"]["clinician"]
    for name in ["sessions_app:schedule_day", "sessions_app:schedule_week"]:
        _assert_clean(cast["clients"]["front_desk"].get(reverse(name), data))
    _assert_clean(clinician.get(reverse("sessions_app:board"), data))
    for name in [
        "reports:activity",
        "reports:staff",
        "reports:clinical_flow",
        "reports:rems",
        "reports:outcomes",
        "reports:substances",
        "audit:list",
    ]:
        _assert_clean(admin.get(reverse(name), data))
    _assert_clean(admin.get(reverse("reports:export", args=["activity", "periods"]), data))
    _assert_clean(admin.get(reverse("audit:export"), data))


# --- stored values are escaped when shown -------------------------------------------------------


def test_stored_markup_is_escaped_on_every_page_that_shows_it(cast):
    from patients.services import patient_update
    from sessions_app.models import IntegrationNote

    patient = cast["patient"]
    patient = patient_update(
        patient=patient,
        actor=cast["users"]["front_desk"],
        version=patient.version,
        first_name=XSS[:80],
        last_name='"><img src=x onerror=alert(1)>'[:80],
        allergies=XSS,
        current_medications=XSS,
    )
    IntegrationNote.objects.create(  # the note's own rules are the notes screen's tests' job
        participant=cast["participant"],
        author=cast["users"]["guide"],
        activity=IntegrationNote.Activity.choices[0][0],
        text=XSS,
        written_at=timezone.now() - timedelta(minutes=1),
    )
    session, participant = cast["session"], cast["participant"]
    pages = [
        ("front_desk", reverse("patients:detail", args=[patient.pk])),
        ("front_desk", reverse("sessions_app:schedule_day")),
        ("front_desk", reverse("dashboard")),
        ("clinician", reverse("patients:detail", args=[patient.pk])),
        ("clinician", reverse("sessions_app:detail", args=[session.pk])),
        ("clinician", reverse("sessions_app:board")),
        ("guide", reverse("sessions_app:notes", args=[session.pk, participant.pk])),
        ("guide", reverse("sessions_app:my_sessions")),
        ("administrator", reverse("audit:list")),
    ]
    for role, url in pages:
        response = cast["clients"][role].get(url)
        assert response.status_code == 200, url
        assert XSS.encode() not in response.content, url
        assert b"<img src=x" not in response.content, url


# --- allow-lists --------------------------------------------------------------------------------


def test_audit_order_parameter_is_an_allow_list(cast):
    from audit.selectors import trail

    for order in ["timestamp; DROP TABLE x", "password", "actor__password", "-id"]:
        sql = str(trail({"order": order}).query)
        assert "DROP" not in sql and "password" not in sql.lower()


@pytest.mark.parametrize("param", ["order", "sort", "ordering", "o"])
def test_sort_parameters_never_reach_order_by(cast, param):
    admin = cast["clients"]["administrator"]
    front_desk = cast["clients"]["front_desk"]
    hostile = "password); SELECT 1; --"
    for client, name in [
        (front_desk, "patients:list"),
        (front_desk, "sessions_app:schedule_day"),
        (admin, "reports:activity"),
        (admin, "audit:list"),
    ]:
        response = client.get(reverse(name), {param: hostile})
        assert response.status_code in {200, 400}, name
