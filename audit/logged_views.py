"""The one list of pages whose every successful view is written to the access trail.

Key: the resolver's view name. Value: the model the page shows and the URL keyword that holds
its primary key. A page that shows a patient's chart, clinical data or a note belongs here;
tests/security/test_url_walk.py fails when a patients/sessions page with an id in its path is
neither here nor in NOT_PHI_VIEWS, so a new page is a decision, not an accident.
"""

from __future__ import annotations

LOGGED_VIEWS: dict[str, tuple[str, str]] = {
    "patients:detail": ("patients.Patient", "pk"),
    "patients:edit": ("patients.Patient", "pk"),
    "audit:break_glass": ("patients.Patient", "patient_pk"),
}

# Pages with an object id in the path that show no chart or clinical content (write-only
# endpoints answer with a redirect and are covered by the change history instead).
NOT_PHI_VIEWS: set[str] = {
    "patients:deactivate",
}
