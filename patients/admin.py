from django.contrib import admin

from .models import Assessment, Patient, TreatmentCourse


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = [
        "mrn",
        "last_name",
        "first_name",
        "date_of_birth",
        "home_location",
        "rems_enrolled_on",
        "is_active",
    ]
    list_filter = ["is_active", "home_location", "sex"]
    search_fields = ["mrn", "last_name", "first_name"]
    list_select_related = ["home_location"]
    readonly_fields = ["version", "created_at", "updated_at"]

    def has_delete_permission(self, request, obj=None):
        # Patients are never deleted; they are made inactive.
        return False


@admin.register(TreatmentCourse)
class TreatmentCourseAdmin(admin.ModelAdmin):
    list_display = ["patient", "kind", "service_type", "planned_sessions", "started_on", "status"]
    list_filter = ["kind", "service_type", "status"]
    search_fields = ["patient__last_name", "patient__mrn"]
    list_select_related = ["patient"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["patient", "scale", "total", "safety_alert", "administered_at"]
    list_filter = ["scale", "safety_alert"]
    search_fields = ["patient__last_name", "patient__mrn"]
    list_select_related = ["patient"]

    def has_add_permission(self, request):
        return False  # recorded through the app, which checks every item

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
