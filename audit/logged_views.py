"""The one list of pages whose every successful view is written to the access trail.

Key: the resolver's view name. Value: the model the page shows and the URL keyword that holds
its primary key (None, None for a page about many patients, like the live board). A page that
shows a chart, clinical data or a note belongs here; tests/security/test_url_walk.py fails when
a page with an object id in its path is in neither LOGGED_VIEWS nor NOT_LOGGED_VIEWS, so a new
page is a decision, not an accident.
"""

from __future__ import annotations

LOGGED_VIEWS: dict[str, tuple[str | None, str | None]] = {
    # The chart and the screens that show part of it.
    "patients:detail": ("patients.Patient", "pk"),
    "patients:edit": ("patients.Patient", "pk"),
    "patients:assessment_create": ("patients.Patient", "pk"),
    "patients:course_create": ("patients.Patient", "pk"),
    "sessions_app:book_for_patient": ("patients.Patient", "patient_pk"),
    # A session's run sheet (vitals, doses, decisions of every participant) and booking screens.
    "sessions_app:detail": ("sessions_app.Session", "pk"),
    "sessions_app:reschedule": ("sessions_app.Session", "pk"),
    "sessions_app:cancel": ("sessions_app.Session", "pk"),
    # Clinical notes of one participant.
    "sessions_app:notes": ("sessions_app.Participant", "participant_pk"),
    # The printable Spravato REMS Patient Monitoring Form (name, date of birth, vitals).
    "reports:rems_form": ("sessions_app.Participant", "participant_pk"),
    # Many patients' live clinical state at once.
    "sessions_app:board": (None, None),
}

# Pages with an object id in the path that are not logged as views, and why: write-only
# endpoints (POST) answer with a redirect or a partial; what they change is in the change
# history (auditlog), and a GET to them is refused with 405.
NOT_LOGGED_VIEWS: dict[str, str] = {
    "patients:deactivate": "POST only; the change is in the change history",
    "sessions_app:no_show": "POST only",
    "sessions_app:check_in": "POST only",
    "sessions_app:participant_no_show": "POST only",
    "sessions_app:advance": "POST only",
    "sessions_app:vitals_add": "POST only",
    "sessions_app:dose_add": "POST only",
    "sessions_app:device_add": "POST only",
    "sessions_app:dose_decision_add": "POST only",
    "sessions_app:adverse_event_add": "POST only",
    "sessions_app:discharge": "POST only",
    "sessions_app:rems_submit": "POST only",
    "sessions_app:preparation_update": "POST only",
    "sessions_app:vitals_addendum": "POST only",
    "sessions_app:note_addendum": "POST only",
    "audit:break_glass": "the grant itself is recorded (break_glass event)",
}
