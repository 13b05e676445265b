"""Clinic locations and the rooms sessions are booked into."""

from __future__ import annotations

from datetime import time

from django.db import models


class Location(models.Model):
    name = models.CharField(max_length=120, unique=True)
    address = models.CharField(max_length=255, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # Open hours drive free-slot display and room utilisation reports.
    opens_at = models.TimeField(default="08:00")
    closes_at = models.TimeField(default="18:00")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="facilities_location_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hours_between(opens: time, closes: time) -> float:
        """Open hours per day (static: the room-utilisation report reads values() rows)."""
        return ((closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)) / 60


class Room(models.Model):
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(max_length=80)
    capacity = models.PositiveSmallIntegerField(
        default=1, help_text="How many patients can be treated in this room at once."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["location__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "name"], name="facilities_room_unique_name_per_location"
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1, capacity__lte=20),
                name="facilities_room_capacity_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.location.name})"
