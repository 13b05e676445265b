from __future__ import annotations

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("activity/", views.report_page, {"slug": "activity"}, name="activity"),
    path("staff/", views.report_page, {"slug": "staff"}, name="staff"),
    path("clinical-flow/", views.report_page, {"slug": "clinical-flow"}, name="clinical_flow"),
    path("rems/", views.report_page, {"slug": "rems"}, name="rems"),
    path("rems/form/<int:participant_pk>/", views.rems_form, name="rems_form"),
    path("outcomes/", views.report_page, {"slug": "outcomes"}, name="outcomes"),
    path("substances/", views.report_page, {"slug": "substances"}, name="substances"),
    path("<slug:slug>/export/<slug:table>.csv", views.export_csv, name="export"),
]

# URL name of each report page, by report slug (templates link with it).
PAGE_NAMES = {
    "activity": "reports:activity",
    "staff": "reports:staff",
    "clinical-flow": "reports:clinical_flow",
    "rems": "reports:rems",
    "outcomes": "reports:outcomes",
    "substances": "reports:substances",
}
