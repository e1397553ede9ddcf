from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Partner integrations"

    def ready(self) -> None:
        # Each protocol package registers its adapter with the spine on import, and its
        # appointment gateway with the appointments port.
        from appointments.gateways import register_gateway
        from integrations import checks  # noqa: F401  (registers the deploy checks)
        from integrations.choices import Protocol
        from integrations.cityfibre import adapter  # noqa: F401
        from integrations.cityfibre.appointments import CityFibreAppointmentGateway
        from integrations.contributions import register_contributions

        register_gateway(Protocol.CITYFIBRE, CityFibreAppointmentGateway())
        # The spine's parts of the fault pages (timeline, queue, wallboard).
        register_contributions()
