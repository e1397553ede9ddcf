import os

from django.core.management.base import BaseCommand, CommandError, CommandParser

from devtools.bench import exceptions
from devtools.management.commands.bench_ui import parse_sizes


class Command(BaseCommand):
    help = (
        "The exception sweep over growing numbers of open faults (default 10000,100000; "
        "--sizes or BENCH_EXCEPTIONS_SIZES) against one rule on one fault, then the queue's "
        "exceptions section at --queue-size faults (default 1000000; 0 skips it), on an empty "
        "PostgreSQL database of its own (make bench)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        default = ",".join(str(s) for s in exceptions.DEFAULT_SIZES)
        parser.add_argument("--sizes", default=os.environ.get("BENCH_EXCEPTIONS_SIZES") or default)
        parser.add_argument(
            "--queue-size",
            type=int,
            default=int(
                os.environ.get("BENCH_EXCEPTIONS_QUEUE_SIZE") or exceptions.DEFAULT_QUEUE_SIZE
            ),
        )
        parser.add_argument("--runs", type=int, default=7)
        parser.add_argument("--warmups", type=int, default=2)
        parser.add_argument("--no-explain", action="store_true")

    def handle(self, *args: object, **options: object) -> None:
        try:
            exceptions.run(
                self.stdout,
                sizes=parse_sizes(str(options["sizes"])),
                queue_size=int(options["queue_size"]),
                runs=int(options["runs"]),
                warmups=int(options["warmups"]),
                explain=not options["no_explain"],
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
