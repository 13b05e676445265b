"""The access side of the audit trail, and emergency ("break the glass") grants.

Changes to patient and clinical data are recorded by django-auditlog (`auditlog.LogEntry`, see
audit/registry.py). This module records what auditlog does not: who opened which chart or note,
logins, logouts, failed logins and refused requests. Both tables are append-only: the model
refuses updates and deletes, the queryset refuses bulk ones, and database triggers (migration
0002) refuse them from any other code path.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AuditImmutableError(Exception):
    """Something tried to change or delete an audit record."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditImmutableError(f"{self.model._meta.verbose_name} records cannot be changed.")

    def delete(self):
        raise AuditImmutableError(f"{self.model._meta.verbose_name} records cannot be deleted.")


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditImmutableError(f"{self._meta.verbose_name} records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError(f"{self._meta.verbose_name} records cannot be deleted.")


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed"
    LOGIN = "login", "Logged in"
    LOGOUT = "logout", "Logged out"
    IDLE_LOGOFF = "idle_logoff", "Logged off (idle)"
    LOGIN_FAILED = "login_failed", "Failed login"
    DENIED = "denied", "Access denied"
    BREAK_GLASS = "break_glass", "Broke the glass"
    EXPORT = "export", "Exported audit trail"


class AccessEvent(AppendOnly):
    Action = AccessAction

    timestamp = models.DateTimeField(default=timezone.now, db_index=True)
    # No foreign-key constraint: the trail must outlive (and never block) changes to accounts.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    # The username as typed (failed logins) or as it was at the time.
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices, db_index=True)
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    object_pk = models.CharField(max_length=64, blank=True)
    url_name = models.CharField(max_length=120, blank=True)
    # Path only (ids, never query strings), method and status of the request.
    path = models.CharField(max_length=500, blank=True)
    method = models.CharField(max_length=10, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-timestamp", "-pk"]
        indexes = [
            models.Index(fields=["actor", "timestamp"], name="audit_event_actor_idx"),
            models.Index(fields=["content_type", "object_pk"], name="audit_event_object_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=AccessAction.values),
                name="audit_accessevent_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.action}"


class BreakGlassGrant(AppendOnly):
    """A clinician's emergency access to one chart outside their scope, with the reason given."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "expires_at"], name="audit_grant_user_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="audit_breakglassgrant_expires_after_creation",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""), name="audit_breakglassgrant_reason_required"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} broke the glass for patient #{self.patient_id}"

    @property
    def is_active(self) -> bool:
        return self.expires_at > timezone.now()
