"""The clinic's roles. A role is a Django group; a user may hold several.

The permission matrix (which role may see or change what) is written down once, in
accounts/permissions.py; views check capabilities there, never group names.
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

# Only administrators use the Django admin (locations, rooms, staff accounts), so only their
# group holds model permissions. What every role may do in the app is the matrix in
# accounts/permissions.py.
