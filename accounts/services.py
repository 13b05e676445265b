"""Writes for staff accounts and roles."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .models import User
from .roles import GROUP_NAMES, Role


@transaction.atomic
def roles_sync(**_: object) -> None:
    """Create one group per role; the administrators' group holds every model permission
    (for the Django admin). Runs after every app's post_migrate, so new models are included.
    """
    for role, name in GROUP_NAMES.items():
        group, _ = Group.objects.get_or_create(name=name)
        if role == Role.ADMINISTRATOR:
            group.permissions.set(Permission.objects.all())


def user_set_roles(*, user: User, roles: list[Role | str]) -> None:
    groups = Group.objects.filter(name__in=[GROUP_NAMES[Role(r)] for r in roles])
    user.groups.set(groups)
    if hasattr(user, "_role_names"):
        del user._role_names
