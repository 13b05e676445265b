"""The permission matrix and object scopes: who may see or change what. Written down once.

Two questions, answered only here:
1. May this user do this kind of thing at all?  `user_can(user, Capability.X)` (role matrix).
2. May this user see this object?  the `*_for_user` querysets (object scope).

Views call `require_capability` at the top and fetch objects through the scoped querysets, so
an object outside the user's scope answers 404 exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from .models import User
from .roles import Role


class Capability(StrEnum):
    VIEW_SCHEDULE = "view_schedule"
    BOOK_SESSIONS = "book_sessions"  # book, reschedule, cancel, no-show, check in
    VIEW_DEMOGRAPHICS = "view_demographics"
    EDIT_DEMOGRAPHICS = "edit_demographics"  # register patients, edit contact and screening
    VIEW_CLINICAL = "view_clinical"  # notes, vitals, doses, assessments (object scope applies)
    WRITE_INTEGRATION_NOTES = "write_integration_notes"
    RECORD_PREPARATION = "record_preparation"  # the guide's checklist
    RUN_SESSIONS = "run_sessions"  # start, advance phases, vitals, doses, discharge, REMS
    RECORD_ASSESSMENTS = "record_assessments"
    VIEW_BOARD = "view_board"
    BREAK_THE_GLASS = "break_the_glass"
    VIEW_REPORTS = "view_reports"
    VIEW_AUDIT = "view_audit"


FD, GU, CL, AD = Role.FRONT_DESK, Role.GUIDE, Role.CLINICIAN, Role.ADMINISTRATOR

# The matrix. README.md ("Security") shows the same table for people.
MATRIX: dict[Capability, frozenset[Role]] = {
    Capability.VIEW_SCHEDULE: frozenset({FD, GU, CL, AD}),
    Capability.BOOK_SESSIONS: frozenset({FD, AD}),
    Capability.VIEW_DEMOGRAPHICS: frozenset({FD, GU, CL, AD}),
    Capability.EDIT_DEMOGRAPHICS: frozenset({FD, CL, AD}),
    Capability.VIEW_CLINICAL: frozenset({GU, CL, AD}),
    Capability.WRITE_INTEGRATION_NOTES: frozenset({GU}),
    Capability.RECORD_PREPARATION: frozenset({GU, CL}),
    Capability.RUN_SESSIONS: frozenset({CL}),
    Capability.RECORD_ASSESSMENTS: frozenset({GU, CL}),
    Capability.VIEW_BOARD: frozenset({CL, AD}),
    Capability.BREAK_THE_GLASS: frozenset({CL}),
    Capability.VIEW_REPORTS: frozenset({AD}),
    Capability.VIEW_AUDIT: frozenset({AD}),
}


def user_can(user: User, capability: Capability) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return any(user.has_role(role) for role in MATRIX[capability])


def require_capability(capability: Capability) -> Callable:
    """View decorator: anonymous -> login page; logged in without the capability -> 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not user_can(request.user, capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# --- Object scopes -----------------------------------------------------------------------------


def _location_ids(user: User) -> list[int]:
    if not hasattr(user, "_location_ids"):
        user._location_ids = list(user.locations.values_list("pk", flat=True))
    return user._location_ids


def sessions_for_user(user: User) -> QuerySet:
    """Sessions the user may open: their locations' (front desk, clinicians), the ones they
    lead or co-lead (guides), every one (administrators)."""
    from sessions_app.models import Session

    qs = Session.objects.all()
    if user.is_administrator:
        return qs
    condition = Q(pk__in=[])
    if user.is_front_desk or user.is_clinician:
        condition |= Q(location_id__in=_location_ids(user))
    if user.is_guide:
        condition |= Q(lead_guide=user) | Q(co_guide=user)
    return qs.filter(condition)


def _patient_scope(user: User, *, by_location: bool) -> Q:
    from sessions_app.models import Participant

    condition = Q(pk__in=[])
    if by_location:
        condition |= Q(home_location_id__in=_location_ids(user))
    if user.is_guide:
        condition |= Exists(
            Participant.objects.filter(patient=OuterRef("pk")).filter(
                Q(session__lead_guide=user) | Q(session__co_guide=user)
            )
        )
    return condition


def _break_glass_scope(user: User) -> Q:
    """Charts opened in an emergency ("break the glass", audit/services.py): an unexpired
    grant counts only while the user still holds the capability."""
    from audit.models import BreakGlassGrant

    if not user_can(user, Capability.BREAK_THE_GLASS):
        return Q(pk__in=[])
    return Exists(
        BreakGlassGrant.objects.filter(
            user=user, patient=OuterRef("pk"), expires_at__gt=timezone.now()
        )
    )


def patients_for_user(user: User) -> QuerySet:
    """Patients whose chart (demographics at least) the user may open."""
    from patients.models import Patient

    if user.is_administrator:
        return Patient.objects.all()
    by_location = user.is_front_desk or user.is_clinician
    return Patient.objects.filter(
        _patient_scope(user, by_location=by_location) | _break_glass_scope(user)
    )


def clinical_patients_for_user(user: User) -> QuerySet:
    """Patients whose clinical record (notes, vitals, doses, scores) the user may see.

    Front desk: none. Guides: patients of sessions they lead or co-lead. Clinicians: patients
    of their locations. Administrators: all. Clinicians also: charts they hold an unexpired
    break-the-glass grant for.
    """
    from patients.models import Patient

    if user.is_administrator:
        return Patient.objects.all()
    if not user_can(user, Capability.VIEW_CLINICAL):
        return Patient.objects.none()
    return Patient.objects.filter(
        _patient_scope(user, by_location=user.is_clinician) | _break_glass_scope(user)
    )


def can_see_clinical(user: User, patient) -> bool:
    return clinical_patients_for_user(user).filter(pk=patient.pk).exists()
