"""seed_demo: generated demo data of every kind, loaded once however often it runs."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db.models import Count

from accounts.models import User
from patients.models import Assessment, Patient
from sessions_app.models import (
    DoseAdministration,
    IntegrationNote,
    PhaseTransition,
    Session,
    VitalSign,
)
from sessions_app.rules import ServiceType
from sessions_app.selectors import overlapping_sessions


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_demo", verbosity=0)
        yield
        # Loaded once for the module outside any test transaction: empty the database after.
        call_command("flush", interactive=False, verbosity=0)


@pytest.mark.django_db
def test_it_loads_every_service_type_with_clinical_records(demo):
    types = set(Session.objects.values_list("service_type", flat=True))
    assert types == set(ServiceType.values)
    assert Patient.objects.count() == 60
    completed = Session.objects.filter(status=Session.Status.COMPLETED)
    assert completed.count() > 200
    assert VitalSign.objects.count() > completed.count()
    assert DoseAdministration.objects.exists()
    assert IntegrationNote.objects.exists()
    assert Assessment.objects.filter(scale="phq9").exists()
    assert PhaseTransition.objects.filter(to_phase="completed").count() == completed.count()
    assert Session.objects.filter(status=Session.Status.IN_PROGRESS).count() == 3
    assert (
        Session.objects.filter(status=Session.Status.CANCELLED).exclude(cancel_reason="").exists()
    )


@pytest.mark.django_db
def test_it_creates_a_demo_user_per_role(demo, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    for username, role in [
        ("frontdesk", "is_front_desk"),
        ("guide", "is_guide"),
        ("clinician", "is_clinician"),
        ("admin", "is_administrator"),
    ]:
        user = User.objects.get(username=username)
        assert getattr(user, role)
        assert user.check_password("ketamine-demo-2026")
        assert user.locations.count() == 2


@pytest.mark.django_db
def test_nobody_and_no_room_is_double_booked(demo):
    for session in Session.objects.exclude(status__in=["cancelled", "no_show"]):
        others = overlapping_sessions(
            starts_at=session.starts_at, ends_at=session.ends_at, exclude_pk=session.pk
        )
        assert not others.filter(room=session.room).exists()
        assert not others.filter(lead_guide=session.lead_guide).exists()
        assert not others.filter(clinician=session.clinician).exists()


@pytest.mark.django_db
def test_group_and_couples_sizes_follow_the_service_rules(demo):
    sizes = Session.objects.annotate(n=Count("participants")).values_list("service_type", "n")
    for service_type, n in sizes:
        if service_type == ServiceType.COUPLES:
            assert n == 2
        elif service_type == ServiceType.GROUP:
            assert 2 <= n <= 6
        else:
            assert n == 1


@pytest.mark.django_db
def test_a_second_run_adds_nothing(demo):
    before = (Session.objects.count(), Patient.objects.count(), VitalSign.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (Session.objects.count(), Patient.objects.count(), VitalSign.objects.count()) == before
