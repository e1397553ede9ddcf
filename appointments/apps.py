from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    """Appointment slots, reservations and booking (design §6)."""

    name = "appointments"
