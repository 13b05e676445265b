from django.urls import path

from .views import board, booking, notes, run_sheet, schedule

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

# Clinicians and guides: run sheet, board, notes (views/run_sheet.py, board.py, notes.py).
_participant = "sessions/<int:pk>/participants/<int:participant_pk>/"
urlpatterns += [
    path("sessions/<int:pk>/", run_sheet.detail, name="detail"),
    path("sessions/<int:pk>/advance/", run_sheet.advance, name="advance"),
    path(_participant + "vitals/", run_sheet.vitals_add, name="vitals_add"),
    path(_participant + "dose/", run_sheet.dose_add, name="dose_add"),
    path(_participant + "device/", run_sheet.device_add, name="device_add"),
    path(_participant + "dose-decision/", run_sheet.dose_decision_add, name="dose_decision_add"),
    path(_participant + "adverse-event/", run_sheet.adverse_event_add, name="adverse_event_add"),
    path(_participant + "discharge/", run_sheet.discharge, name="discharge"),
    path(_participant + "rems/", run_sheet.rems_submit, name="rems_submit"),
    path(_participant + "preparation/", run_sheet.preparation_update, name="preparation_update"),
    path(
        "sessions/<int:pk>/vitals/<int:vital_pk>/addendum/",
        run_sheet.vitals_addendum,
        name="vitals_addendum",
    ),
    path(_participant + "notes/", notes.notes, name="notes"),
    path(_participant + "notes/<int:note_pk>/addendum/", notes.note_addendum, name="note_addendum"),
    path("my-sessions/", notes.my_sessions, name="my_sessions"),
    path("board/", board.board, name="board"),
]
