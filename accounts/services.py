"""Writes for staff accounts and roles."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .models import User
from .roles import GROUP_NAMES, ROLE_PERMISSIONS, Role


@transaction.atomic
def roles_sync(**_: object) -> None:
    """Make each role's group hold exactly the permissions of ROLE_PERMISSIONS.

    Runs after every app's post_migrate, so the matrix in roles.py is the source of truth.
    """
    by_name = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type")
    }
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=GROUP_NAMES[role])
        # Permissions of apps not migrated yet are skipped; the last app's signal sees them all.
        wanted = (
            list(by_name.values())
            if perms == ("*",)
            else [by_name[name] for name in perms if name in by_name]
        )
        group.permissions.set(wanted)


def user_set_roles(*, user: User, roles: list[Role | str]) -> None:
    groups = Group.objects.filter(name__in=[GROUP_NAMES[Role(r)] for r in roles])
    user.groups.set(groups)
    if hasattr(user, "_role_names"):
        del user._role_names
