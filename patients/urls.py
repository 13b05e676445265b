from django.urls import path

from . import views

app_name = "patients"

urlpatterns: list = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("<int:pk>/", views.patient_detail, name="detail"),
    path("<int:pk>/edit/", views.patient_edit, name="edit"),
    path("<int:pk>/deactivate/", views.patient_deactivate, name="deactivate"),
    path("<int:pk>/assessments/new/", views.assessment_create, name="assessment_create"),
    path("<int:pk>/courses/new/", views.course_create, name="course_create"),
]
