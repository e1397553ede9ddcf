from django.apps import AppConfig


class FaultsConfig(AppConfig):
    name = "faults"
    verbose_name = "Faults"

    def ready(self) -> None:
        # Before any URLconf is read: the fault pages of every app address faults with it.
        from django.urls import register_converter

        from faults.converters import FaultReferenceConverter

        register_converter(FaultReferenceConverter, "ref")

        # Exceptions follow a fault's changes soon after they commit (the sweep is periodic too).
        from faults import events
        from faults.exceptions.on_change import sweep_soon_after

        events.subscribe(sweep_soon_after)

        # The fault domain's pending timers (auto-close, SLA, exception sweep): diagnostics.
        from faults.exceptions import checks  # noqa: F401  (diagnostics off in production)
        from faults.exceptions.fault_timers import register_fault_timers

        register_fault_timers()
