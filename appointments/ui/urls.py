from django.urls import path

from appointments.ui import views

urlpatterns = [
    path("slots/", views.appointment_slots, name="appointment-slots"),
    path("reserve/", views.appointment_reserve_view, name="appointment-reserve"),
    path(
        "reappoint/<ref:reference>/",
        views.appointment_reappoint_view,
        name="appointment-reappoint",
    ),
]
