from django.urls import path

from appointments.ui import service_credits, views

urlpatterns = [
    path("slots/", views.appointment_slots, name="appointment-slots"),
    path("service-credits/", service_credits.service_credits, name="service-credits"),
    path(
        "service-credits/export.csv",
        service_credits.service_credits_export,
        name="service-credits-export",
    ),
    path("reserve/", views.appointment_reserve_view, name="appointment-reserve"),
    path(
        "reappoint/<ref:reference>/",
        views.appointment_reappoint_view,
        name="appointment-reappoint",
    ),
]
