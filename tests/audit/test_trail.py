"""The audit trail: change history (auditlog), access events, and that nobody can alter it."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError
from django.test import RequestFactory
from django.urls import reverse

from audit.middleware import AuditActorMiddleware
from audit.models import AccessEvent, AuditImmutableError, BreakGlassGrant
from audit.registry import audited_models
from audit.services import access_record
from facilities.models import Location
from patients.models import Assessment, Patient, TreatmentCourse
from sessions_app import models as sm
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_every_patient_clinical_staff_and_facility_model_is_audited():
    from auditlog.registry import auditlog

    expected = {
        Patient,
        TreatmentCourse,
        Assessment,
        sm.Session,
        sm.Participant,
        sm.PhaseTransition,
        sm.VitalSign,
        sm.DoseAdministration,
        sm.DoseDecision,
        sm.IntegrationNote,
        sm.NoteAddendum,
        sm.AdverseEvent,
        sm.RemsMonitoringForm,
        Location,
        sm.Room if hasattr(sm, "Room") else Location,
    }
    from accounts.models import User
    from facilities.models import Room

    expected |= {User, Room}
    registered = set(audited_models())
    assert expected <= registered
    assert all(auditlog.contains(model) for model in expected)


def test_a_change_records_actor_ip_and_changed_fields(administrator, location):
    request = RequestFactory().post("/x", REMOTE_ADDR="10.1.2.3")
    request.user = administrator

    def view(request):
        patient = f.make_patient(location, first_name="Before")
        patient.first_name = "After"
        Patient.save(patient)
        return patient

    patient = AuditActorMiddleware(view)(request)
    entries = LogEntry.objects.get_for_object(patient).order_by("timestamp", "pk")
    assert [e.action for e in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    update = entries.last()
    assert update.actor == administrator
    assert update.remote_addr == "10.1.2.3"
    assert update.changes_dict["first_name"] == ["Before", "After"]


def test_the_password_hash_never_reaches_the_trail(administrator):
    administrator.set_password("another-long-password-123")
    administrator.save()
    for entry in LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(administrator)
    ):
        assert "password" not in (entry.changes_dict or {})


def test_a_role_change_is_recorded(front_desk):
    from accounts.roles import Role
    from accounts.services import user_set_roles

    user_set_roles(user=front_desk, roles=[Role.FRONT_DESK, Role.CLINICIAN])
    entries = LogEntry.objects.get_for_object(front_desk)
    assert any("groups" in (e.changes_dict or {}) for e in entries)


def test_spoofed_forwarded_for_is_ignored_without_a_trusted_proxy(administrator):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6")
    request.user = administrator
    event = access_record(action="login", request=request)
    assert event.remote_addr == "10.0.0.9"


def test_forwarded_for_counts_as_far_as_trusted_proxies_wrote_it(administrator, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )
    request.user = administrator
    assert access_record(action="login", request=request).remote_addr == "203.0.113.7"


# --- logins ------------------------------------------------------------------------------------


def test_login_logout_and_failed_login_are_recorded_with_ip(client, clinician):
    login = reverse("login")
    client.post(login, {"username": "clinician", "password": "wrong"}, REMOTE_ADDR="10.9.9.9")
    client.post(login, {"username": "clinician", "password": f.PASSWORD}, REMOTE_ADDR="10.9.9.9")
    client.post(reverse("logout"), REMOTE_ADDR="10.9.9.9")
    events = list(AccessEvent.objects.order_by("timestamp", "pk"))
    assert [e.action for e in events] == ["login_failed", "login", "logout"]
    failed, ok, out = events
    assert failed.username == "clinician" and failed.actor is None
    assert ok.actor == clinician and out.actor == clinician
    assert {e.remote_addr for e in events} == {"10.9.9.9"}
    assert "wrong" not in failed.detail


# --- reads and denials -------------------------------------------------------------------------


def test_opening_a_chart_records_who_what_when_and_where(client, clinician, patient):
    client.force_login(clinician)
    response = client.get(reverse("patients:detail", args=[patient.pk]), REMOTE_ADDR="10.4.4.4")
    assert response.status_code == 200
    event = AccessEvent.objects.get(action="view")
    assert event.actor == clinician
    assert event.content_type.model_class() is Patient
    assert event.object_pk == str(patient.pk)
    assert event.url_name == "patients:detail"
    assert event.remote_addr == "10.4.4.4"
    assert event.timestamp.utcoffset().total_seconds() == 0


def test_opening_a_note_page_is_recorded(client, guide, clinician, front_desk, room, patient):
    from audit.logged_views import LOGGED_VIEWS

    assert "sessions_app:notes" in LOGGED_VIEWS
    session = f.book(
        patients=[patient], room=room, guide=guide, clinician=clinician, actor=front_desk
    )
    participant = session.participants.get()
    client.force_login(guide)
    url = reverse("sessions_app:notes", args=[session.pk, participant.pk])
    assert client.get(url).status_code == 200
    event = AccessEvent.objects.get(action="view", url_name="sessions_app:notes")
    assert event.actor == guide


def test_denied_requests_of_logged_in_users_are_recorded(client, front_desk, other_location):
    hidden = f.make_patient(other_location)
    client.force_login(front_desk)
    assert client.get(reverse("patients:detail", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("audit:list")).status_code == 403
    denied = AccessEvent.objects.filter(action="denied").order_by("timestamp", "pk")
    assert [(e.status_code, e.url_name) for e in denied] == [
        (404, "patients:detail"),
        (403, "audit:list"),
    ]
    assert all(e.actor == front_desk for e in denied)


# --- immutability ------------------------------------------------------------------------------


def test_access_events_cannot_be_changed_or_deleted_through_the_orm(administrator):
    event = access_record(action="login", actor=administrator)
    event.detail = "edited"
    with pytest.raises(AuditImmutableError):
        event.save()
    with pytest.raises(AuditImmutableError):
        event.delete()
    with pytest.raises(AuditImmutableError):
        AccessEvent.objects.filter(pk=event.pk).update(detail="edited")
    with pytest.raises(AuditImmutableError):
        AccessEvent.objects.all().delete()


@pytest.mark.parametrize("table", ["audit_accessevent", "auditlog_logentry"])
def test_the_database_refuses_to_update_the_trail(table, administrator, location):
    access_record(action="login", actor=administrator)
    f.make_patient(location)  # writes an auditlog entry
    with (
        pytest.raises((IntegrityError, DatabaseError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {table} SET object_pk = 'x'")


@pytest.mark.postgres
@pytest.mark.parametrize(
    "table", ["audit_accessevent", "auditlog_logentry", "audit_breakglassgrant"]
)
def test_postgres_refuses_to_delete_from_the_trail(table, administrator, location, clinician):
    patient = f.make_patient(location)
    access_record(action="login", actor=administrator)
    from audit.services import break_glass_grant

    break_glass_grant(user=clinician, patient=patient, reason="Emergency: patient collapsed")
    with (
        pytest.raises((IntegrityError, DatabaseError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {table}")


def test_grants_cannot_be_changed(clinician, patient):
    from audit.services import break_glass_grant

    grant = break_glass_grant(user=clinician, patient=patient, reason="Emergency: collapsed")
    grant.reason = "nothing"
    with pytest.raises(AuditImmutableError):
        grant.save()
    with pytest.raises(AuditImmutableError):
        BreakGlassGrant.objects.all().delete()


@pytest.mark.parametrize(
    "model_name", ["auditlog_logentry", "audit_accessevent", "audit_breakglassgrant"]
)
def test_the_admin_cannot_change_or_delete_the_trail(client, model_name, location):
    from accounts.models import User

    superuser = User.objects.create_superuser("root", "root@example.org", f.PASSWORD)
    client.force_login(superuser)
    f.make_patient(location)
    access_record(action="login", actor=superuser)
    app, model = model_name.split("_", 1)
    changelist = reverse(f"admin:{app}_{model}_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(reverse(f"admin:{app}_{model}_add")).status_code == 403
    obj = {
        "auditlog_logentry": LogEntry,
        "audit_accessevent": AccessEvent,
        "audit_breakglassgrant": BreakGlassGrant,
    }[model_name].objects.first()
    if obj is not None:
        assert client.post(reverse(f"admin:{app}_{model}_delete", args=[obj.pk])).status_code == 403
        # Change page is view-only: a POST changes nothing.
        client.post(reverse(f"admin:{app}_{model}_change", args=[obj.pk]), {})
        obj.refresh_from_db()


def test_a_patient_edit_through_the_version_check_is_in_the_change_history(
    client, front_desk, patient
):
    from patients.services import patient_update

    request = RequestFactory().post("/x", REMOTE_ADDR="10.3.3.3")
    request.user = front_desk

    def view(request):
        return patient_update(
            patient=patient, actor=front_desk, version=patient.version, phone="555-0199"
        )

    AuditActorMiddleware(view)(request)
    update = LogEntry.objects.get_for_object(patient).filter(action=LogEntry.Action.UPDATE).get()
    assert update.changes_dict["phone"][1] == "555-0199"
    assert update.actor == front_desk and update.remote_addr == "10.3.3.3"


def test_booking_and_a_no_show_put_each_participant_in_the_change_history(
    front_desk, guide, clinician, group_room
):
    from sessions_app.services.booking import session_mark_no_show

    patients = [f.make_patient(group_room.location) for _ in range(3)]
    session = f.book(
        service_type="group",
        patients=patients,
        room=group_room,
        guide=guide,
        clinician=clinician,
        actor=front_desk,
    )
    participants = list(session.participants.all())
    for participant in participants:
        assert (
            LogEntry.objects.get_for_object(participant)
            .filter(action=LogEntry.Action.CREATE)
            .exists()
        )
    session_mark_no_show(session=session, actor=front_desk)
    for participant in participants:
        update = LogEntry.objects.get_for_object(participant).get(action=LogEntry.Action.UPDATE)
        assert update.changes_dict["attendance"][1] == "no_show"
