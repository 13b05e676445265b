"""Admin: searchable, filterable and read-only.

Sessions and clinical records are written through the staff app, whose services hold every
rule (conflicts, phase gates, append-only notes); an admin form would bypass them.
"""

from django.contrib import admin

from .models import (
    AdverseEvent,
    DoseAdministration,
    DoseDecision,
    IntegrationNote,
    NoteAddendum,
    Participant,
    PhaseTransition,
    RemsMonitoringForm,
    Session,
    VitalSign,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ParticipantInline(ReadOnlyInline):
    model = Participant
    fields = ["patient", "attendance", "checked_in_at", "discharged_at"]


class TransitionInline(ReadOnlyInline):
    model = PhaseTransition
    fields = ["from_phase", "to_phase", "actor", "at"]


@admin.register(Session)
class SessionAdmin(ReadOnlyAdmin):
    list_display = [
        "starts_at",
        "service_type",
        "location",
        "room",
        "lead_guide",
        "clinician",
        "status",
        "phase",
    ]
    list_filter = ["service_type", "status", "phase", "location"]
    search_fields = [
        "participants__patient__last_name",
        "participants__patient__mrn",
        "lead_guide__last_name",
        "clinician__last_name",
    ]
    date_hierarchy = "starts_at"
    list_select_related = ["location", "room", "lead_guide", "clinician"]
    inlines = [ParticipantInline, TransitionInline]


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyAdmin):
    list_display = ["patient", "session", "attendance", "discharged_at"]
    list_filter = ["attendance", "session__service_type"]
    search_fields = ["patient__last_name", "patient__mrn"]
    list_select_related = ["patient", "session"]


@admin.register(PhaseTransition)
class PhaseTransitionAdmin(ReadOnlyAdmin):
    list_display = ["session", "from_phase", "to_phase", "actor", "at"]
    list_filter = ["to_phase"]
    list_select_related = ["session", "actor"]


@admin.register(VitalSign)
class VitalSignAdmin(ReadOnlyAdmin):
    list_display = [
        "participant",
        "recorded_at",
        "phase",
        "systolic",
        "diastolic",
        "heart_rate",
        "spo2",
        "flagged",
    ]
    list_filter = ["flagged", "phase"]
    search_fields = ["participant__patient__last_name", "participant__patient__mrn"]
    list_select_related = ["participant__patient", "participant__session"]


@admin.register(DoseAdministration)
class DoseAdministrationAdmin(ReadOnlyAdmin):
    list_display = [
        "administered_at",
        "participant",
        "drug",
        "route",
        "dose_mg",
        "mg_per_kg",
        "lot_number",
        "administered_by",
        "wasted_mg",
        "witness",
    ]
    list_filter = ["drug", "route"]
    search_fields = ["lot_number", "participant__patient__last_name", "participant__patient__mrn"]
    date_hierarchy = "administered_at"
    list_select_related = [
        "participant__patient",
        "participant__session",
        "administered_by",
        "witness",
    ]


@admin.register(DoseDecision)
class DoseDecisionAdmin(ReadOnlyAdmin):
    list_display = ["participant", "decided_by", "decided_at"]
    list_select_related = ["participant__patient", "participant__session", "decided_by"]


@admin.register(IntegrationNote)
class IntegrationNoteAdmin(ReadOnlyAdmin):
    list_display = ["participant", "author", "activity", "written_at"]
    list_filter = ["activity"]
    search_fields = ["participant__patient__last_name", "participant__patient__mrn"]
    list_select_related = ["participant__patient", "participant__session", "author"]


@admin.register(NoteAddendum)
class NoteAddendumAdmin(ReadOnlyAdmin):
    list_display = ["author", "written_at", "integration_note", "vital_sign"]
    list_select_related = ["author"]


@admin.register(AdverseEvent)
class AdverseEventAdmin(ReadOnlyAdmin):
    list_display = ["participant", "occurred_at", "kind", "severity", "serious"]
    list_filter = ["kind", "severity", "serious"]
    search_fields = ["participant__patient__last_name", "participant__patient__mrn"]
    list_select_related = ["participant__patient", "participant__session"]


@admin.register(RemsMonitoringForm)
class RemsMonitoringFormAdmin(ReadOnlyAdmin):
    list_display = ["participant", "submitted_at", "submitted_by"]
    list_select_related = ["participant__patient", "participant__session", "submitted_by"]
