"""The clinic's roles. A role is a Django group; a user may hold several.

The permission matrix (which role may see or change what) is written down once, in
`ROLE_PERMISSIONS`; the data migration turns it into group permissions and views check the
capabilities below, never group names.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    FRONT_DESK = "front_desk", "Front desk"
    GUIDE = "guide", "Guide"
    CLINICIAN = "clinician", "Clinician"
    ADMINISTRATOR = "administrator", "Administrator"


# Group name per role (what the admin shows).
GROUP_NAMES: dict[str, str] = {role.value: role.label for role in Role}

# Django model permissions granted to each role's group: "app_label.codename".
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.FRONT_DESK: (
        "patients.view_patient",
        "patients.add_patient",
        "patients.change_patient",
        "patients.view_treatmentcourse",
        "patients.add_treatmentcourse",
        "sessions_app.view_session",
        "sessions_app.add_session",
        "sessions_app.change_session",
        "sessions_app.view_participant",
        "facilities.view_location",
        "facilities.view_room",
    ),
    Role.GUIDE: (
        "patients.view_patient",
        "patients.view_treatmentcourse",
        "patients.view_assessment",
        "patients.add_assessment",
        "sessions_app.view_session",
        "sessions_app.view_participant",
        "sessions_app.change_participant",
        "sessions_app.view_integrationnote",
        "sessions_app.add_integrationnote",
        "sessions_app.view_vitalsign",
        "sessions_app.view_doseadministration",
        "sessions_app.add_noteaddendum",
        "sessions_app.view_noteaddendum",
        "facilities.view_location",
        "facilities.view_room",
    ),
    Role.CLINICIAN: (
        "patients.view_patient",
        "patients.change_patient",
        "patients.view_treatmentcourse",
        "patients.add_treatmentcourse",
        "patients.view_assessment",
        "patients.add_assessment",
        "sessions_app.view_session",
        "sessions_app.change_session",
        "sessions_app.view_participant",
        "sessions_app.change_participant",
        "sessions_app.view_vitalsign",
        "sessions_app.add_vitalsign",
        "sessions_app.view_doseadministration",
        "sessions_app.add_doseadministration",
        "sessions_app.add_dosedecision",
        "sessions_app.view_dosedecision",
        "sessions_app.view_adverseevent",
        "sessions_app.add_adverseevent",
        "sessions_app.view_integrationnote",
        "sessions_app.add_noteaddendum",
        "sessions_app.view_noteaddendum",
        "sessions_app.view_phasetransition",
        "sessions_app.add_phasetransition",
        "sessions_app.view_remsmonitoringform",
        "sessions_app.add_remsmonitoringform",
        "facilities.view_location",
        "facilities.view_room",
    ),
    # Administrators see everything and manage locations, rooms and staff (superuser-free).
    Role.ADMINISTRATOR: ("*",),
}
