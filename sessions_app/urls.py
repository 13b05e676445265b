from django.urls import path  # noqa: F401

app_name = "sessions_app"

# Each screen's module adds its patterns here.
urlpatterns: list = []
