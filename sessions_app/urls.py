from django.urls import path

from .views import booking, schedule

app_name = "sessions_app"

# Each screen's module adds its patterns here.
urlpatterns: list = []

# Front desk: schedule and booking (views/schedule.py, views/booking.py).
urlpatterns += [
    path("schedule/day/", schedule.schedule_day, name="schedule_day"),
    path("schedule/week/", schedule.schedule_week, name="schedule_week"),
    path("sessions/new/", booking.book, name="book"),
    path("sessions/new/patient/<int:patient_pk>/", booking.book, name="book_for_patient"),
    path("sessions/<int:pk>/reschedule/", booking.reschedule, name="reschedule"),
    path("sessions/<int:pk>/cancel/", booking.cancel, name="cancel"),
    path("sessions/<int:pk>/no-show/", booking.no_show, name="no_show"),
    path(
        "sessions/<int:pk>/participants/<int:participant_pk>/check-in/",
        booking.check_in,
        name="check_in",
    ),
    path(
        "sessions/<int:pk>/participants/<int:participant_pk>/no-show/",
        booking.participant_no_show,
        name="participant_no_show",
    ),
]
