from django.core.management.base import BaseCommand, CommandParser

from devtools.bench.ingest import BenchConfig, run


class Command(BaseCommand):
    help = "Webhook ingest benchmark under gunicorn on PostgreSQL and Redis (used by make bench)."

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = BenchConfig()
        parser.add_argument("--faults", type=int, default=defaults.faults)
        parser.add_argument("--requests", type=int, default=defaults.requests)
        parser.add_argument("--concurrency", type=int, default=defaults.concurrency)
        parser.add_argument("--gunicorn-workers", type=int, default=defaults.gunicorn_workers)
        parser.add_argument("--port", type=int, default=defaults.port)
        parser.add_argument(
            "--ingest-runs",
            type=int,
            default=defaults.ingest_runs,
            help="times the ingest ratio is measured; the median is reported",
        )

    def handle(self, *args: object, **options: int) -> None:
        run(
            self.stdout,
            BenchConfig(
                faults=options["faults"],
                requests=options["requests"],
                concurrency=options["concurrency"],
                gunicorn_workers=options["gunicorn_workers"],
                port=options["port"],
                ingest_runs=options["ingest_runs"],
            ),
        )
