from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Partner integrations"

    def ready(self) -> None:
        # Each protocol package registers its adapter with the spine on import.
        from integrations.cityfibre import adapter  # noqa: F401
