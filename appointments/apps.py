from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    """Appointment slots, reservations and booking (design §6); its models arrive with issue 5."""

    name = "appointments"
