from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("ping/", views.ping, name="ping"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("patients/", include("patients.urls")),
    path("reports/", include("reports.urls")),
    path("audit/", include("audit.urls")),
    path("", include("sessions_app.urls")),
    path("admin/", admin.site.urls),
]
