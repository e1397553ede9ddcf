from django.core.management.base import BaseCommand, CommandParser

from devtools.bench.broker import BenchConfig, run


class Command(BaseCommand):
    help = "Embedded broker candidates through a real Celery worker (used by make bench)."

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = BenchConfig()
        parser.add_argument("--candidates", default="", help="comma-separated; default all")
        parser.add_argument("--burst-publishers", type=int, default=defaults.burst_publishers)
        parser.add_argument("--burst-messages", type=int, default=defaults.burst_messages)
        parser.add_argument("--race-publishers", type=int, default=defaults.race_publishers)
        parser.add_argument("--race-messages", type=int, default=defaults.race_messages)
        parser.add_argument("--race-pause", type=float, default=defaults.race_pause)

    def handle(self, *args: object, **options) -> None:
        run(
            self.stdout,
            BenchConfig(
                candidates=tuple(filter(None, options["candidates"].split(","))),
                burst_publishers=options["burst_publishers"],
                burst_messages=options["burst_messages"],
                race_publishers=options["race_publishers"],
                race_messages=options["race_messages"],
                race_pause=options["race_pause"],
            ),
        )
