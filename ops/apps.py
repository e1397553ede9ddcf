from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        import os

        # prometheus_client's multiprocess mode writes its files there at the first count: a
        # missing directory would fail every request and task instead.
        if directory := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            os.makedirs(directory, exist_ok=True)
        from ops import signals  # noqa: F401  (connects the Celery task metrics)
        from ops.collectors import MessageCollector, OpenFaultCollector
        from ops.metrics import register_collector

        register_collector(MessageCollector())
        register_collector(OpenFaultCollector())
