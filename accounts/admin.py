from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "credential", "is_active", "roles"]
    list_filter = ["is_active", "groups", "credential", "locations"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Clinic", {"fields": ("credential", "phone", "locations")}),
    )
    filter_horizontal = ("groups", "user_permissions", "locations")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Roles")
    def roles(self, obj: User) -> str:
        return ", ".join(group.name for group in obj.groups.all())
