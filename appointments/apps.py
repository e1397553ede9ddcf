from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    """Appointment slots, reservations and booking (design §6)."""

    name = "appointments"

    def ready(self) -> None:
        # Its parts of the fault pages: timeline, dashboard, raise form, fault page.
        from appointments import (
            exception_rules,  # noqa: F401  (APPOINTMENT_MISSED_BY_SUPPLIER)
            late_repair_rule,  # noqa: F401  (LATE_REPAIR_MISMATCH)
        )
        from appointments.contributions import register_contributions
        from appointments.service_credits.fault_facts import LATE_REPAIR_FACTS
        from faults.contributions import register

        register_contributions()
        register(LATE_REPAIR_FACTS)  # after the appointment, on the fault page
