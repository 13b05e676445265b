"""The cast every test can use: a front-desk user, two guides, a clinician, an administrator."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.roles import Role
from tests import factories as f


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def location(db):
    return f.make_location("Northside")


@pytest.fixture
def other_location(db):
    return f.make_location("Southside")


@pytest.fixture
def room(location):
    return f.make_room(location, capacity=1, name="Willow")


@pytest.fixture
def group_room(location):
    return f.make_room(location, capacity=8, name="Cedar")


@pytest.fixture
def front_desk(location):
    return f.make_user(
        Role.FRONT_DESK,
        username="frontdesk",
        locations=[location],
        first_name="Fran",
        last_name="Desk",
    )


@pytest.fixture
def guide(location):
    return f.make_user(
        Role.GUIDE, username="guide", locations=[location], first_name="Gale", last_name="Guide"
    )


@pytest.fixture
def other_guide(location):
    return f.make_user(
        Role.GUIDE, username="guide2", locations=[location], first_name="Otto", last_name="Guide"
    )


@pytest.fixture
def clinician(location):
    return f.make_user(
        Role.CLINICIAN,
        username="clinician",
        locations=[location],
        first_name="Cleo",
        last_name="Nurse",
        credential="rn",
    )


@pytest.fixture
def other_clinician(location):
    return f.make_user(
        Role.CLINICIAN,
        username="clinician2",
        locations=[location],
        first_name="Carl",
        last_name="Medic",
        credential="md",
    )


@pytest.fixture
def administrator(location):
    return f.make_user(
        Role.ADMINISTRATOR,
        username="admin",
        locations=[location],
        first_name="Ada",
        last_name="Admin",
    )


@pytest.fixture
def patient(location):
    return f.make_patient(location, first_name="Ana", last_name="Rivera")


@pytest.fixture
def spravato_patient(location):
    return f.make_spravato_patient(location, first_name="Sam", last_name="Reyes")


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL-only tests when the suite runs on SQLite."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run by `make test` in its second pass)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"
