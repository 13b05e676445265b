from django.contrib import admin

from .models import Location, Room


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "address", "opens_at", "closes_at", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "address"]
    inlines = [RoomInline]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "location", "capacity", "is_active"]
    list_filter = ["location", "is_active"]
    search_fields = ["name", "location__name"]
