"""Serve this machine's in-process metrics, for a machine that runs Celery workers but no web
process (README, "Metrics and health")."""

import hmac
from wsgiref.simple_server import WSGIRequestHandler, make_server

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from prometheus_client import CollectorRegistry, make_wsgi_app, multiprocess


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # one line per scrape is noise
        pass


class Command(BaseCommand):
    help = (
        "Serve the metrics the Celery workers of this machine write to PROMETHEUS_MULTIPROC_DIR "
        "(task counts and durations, outbound attempts and delivery latency) at /metrics, "
        "behind the same bearer token as the web's /metrics (METRICS_TOKEN)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--bind", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=9464)

    def handle(self, *args, **options) -> None:
        directory = settings.PROMETHEUS_MULTIPROC_DIR
        if not directory:
            raise CommandError("Set PROMETHEUS_MULTIPROC_DIR to the workers' directory.")
        if not settings.METRICS_TOKEN:
            raise CommandError("Set METRICS_TOKEN: the metrics are never served without it.")
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)
        metrics = make_wsgi_app(registry)
        expected = f"Bearer {settings.METRICS_TOKEN}".encode()

        def app(environ, start_response):
            given = environ.get("HTTP_AUTHORIZATION", "").encode()
            if not given:
                start_response("401 Unauthorized", [("WWW-Authenticate", 'Bearer realm="metrics"')])
                return [b"Send the metrics token: Authorization: Bearer <token>.\n"]
            if not hmac.compare_digest(given, expected):
                start_response("403 Forbidden", [("Content-Type", "text/plain")])
                return [b"This token may not read the metrics.\n"]
            return metrics(environ, start_response)

        server = make_server(options["bind"], options["port"], app, handler_class=_Quiet)
        self.stdout.write(
            f"Serving the metrics of {directory} at http://{options['bind']}:"
            f"{server.server_port}/metrics; Ctrl-C stops.",
        )
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
