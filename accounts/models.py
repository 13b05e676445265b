"""Staff accounts. Every person who logs in is a User; roles are groups (see roles.py)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from .roles import GROUP_NAMES, Role


class Credential(models.TextChoices):
    NONE = "", "None"
    RN = "rn", "Registered nurse"
    NP = "np", "Nurse practitioner"
    PA = "pa", "Physician assistant"
    MD = "md", "Physician (MD/DO)"
    THERAPIST = "therapist", "Licensed therapist"


# get_credential_display() is slow in loops (it rebuilds a flat choices dict on every call).
CREDENTIAL_LABELS = dict(Credential.choices)


class User(AbstractUser):
    Credential = Credential

    credential = models.CharField(max_length=16, choices=Credential.choices, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    locations = models.ManyToManyField(
        "facilities.Location",
        blank=True,
        related_name="staff",
        help_text="Where this person works. Clinicians see clinical data of these locations.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(credential__in=Credential.values),
                name="accounts_user_credential_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        full = self.get_full_name()
        if self.credential and full:
            # Initials for licences (RN, MD); the label where there are none ("Licensed therapist").
            short = self.credential.upper() if len(self.credential) <= 2 else None
            return f"{full}, {short or CREDENTIAL_LABELS.get(self.credential, '')}"
        return full or self.username

    def has_role(self, role: Role | str) -> bool:
        # Prefetch-friendly: reads the cached group names once per request.
        if not hasattr(self, "_role_names"):
            self._role_names = set(self.groups.values_list("name", flat=True))
        return GROUP_NAMES[Role(role)] in self._role_names

    @property
    def is_front_desk(self) -> bool:
        return self.has_role(Role.FRONT_DESK)

    @property
    def is_guide(self) -> bool:
        return self.has_role(Role.GUIDE)

    @property
    def is_clinician(self) -> bool:
        return self.has_role(Role.CLINICIAN)

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or self.has_role(Role.ADMINISTRATOR)
