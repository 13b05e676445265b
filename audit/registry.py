"""Which models django-auditlog watches: every patient, clinical, staff and facilities model.

Listed by app so that a model added later to one of these apps is audited without anyone
remembering to add it here (tests/audit/test_change_history.py pins the list).
"""

from __future__ import annotations

from auditlog.registry import auditlog
from django.apps import apps

AUDITED_APPS = ("patients", "sessions_app", "facilities", "accounts")

# Never copied into the trail: the password hash, and last_login (logins have their own events).
EXCLUDED_FIELDS: dict[str, list[str]] = {
    "accounts.user": ["password", "last_login"],
}
# Many-to-many changes worth a record: role (group) and location membership decide access.
M2M_FIELDS: dict[str, set[str]] = {
    "accounts.user": {"groups", "locations"},
}


def audited_models() -> list:
    return [model for app in AUDITED_APPS for model in apps.get_app_config(app).get_models()]


def register_models() -> None:
    for model in audited_models():
        label = model._meta.label_lower
        if auditlog.contains(model):
            continue
        auditlog.register(
            model,
            exclude_fields=EXCLUDED_FIELDS.get(label, []),
            m2m_fields=M2M_FIELDS.get(label, set()),
        )
