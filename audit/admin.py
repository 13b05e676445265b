"""The audit trail in the admin: read-only for everyone, superusers included."""

from __future__ import annotations

from auditlog.admin import LogEntryAdmin as AuditlogLogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin

from .models import AccessEvent, BreakGlassGrant


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    list_display = ["timestamp", "username", "action", "url_name", "object_pk", "remote_addr"]
    list_filter = ["action", "timestamp"]
    search_fields = ["username", "url_name", "object_pk", "remote_addr"]
    date_hierarchy = "timestamp"


@admin.register(BreakGlassGrant)
class BreakGlassGrantAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "patient_id", "expires_at", "reason"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"


# auditlog's own admin allows deletes cascading from other admin pages; ours allows none.
if admin.site.is_registered(LogEntry):
    admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class LogEntryAdmin(AuditlogLogEntryAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}
