from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from ops import signals  # noqa: F401  (connects the Celery task metrics)
        from ops.collectors import MessageCollector, OpenFaultCollector
        from ops.metrics import register_collector

        register_collector(MessageCollector())
        register_collector(OpenFaultCollector())
