import os

from django.core.management.base import BaseCommand, CommandError, CommandParser

from devtools.bench import ui


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise CommandError(f"Sizes are numbers separated by commas, not {text!r}.") from exc
    if not sizes or min(sizes) < 1:
        raise CommandError("Give at least one size above zero.")
    return sizes


class Command(BaseCommand):
    help = (
        "SLA dashboard and fault list timings at growing fault counts on PostgreSQL "
        "(make bench; sizes from --sizes or BENCH_UI_SIZES, default 10000,100000,1000000)."
    )

    # The part this command times (`run(stdout, sizes=, runs=, warmups=, explain=)`); bench_tmfapi
    # is the same command over another part.
    part = ui

    def add_arguments(self, parser: CommandParser) -> None:
        default = ",".join(str(s) for s in ui.DEFAULT_SIZES)
        parser.add_argument("--sizes", default=os.environ.get("BENCH_UI_SIZES") or default)
        parser.add_argument("--runs", type=int, default=7)
        parser.add_argument("--warmups", type=int, default=2)
        parser.add_argument("--no-explain", action="store_true")

    def handle(self, *args: object, **options: object) -> None:
        try:
            self.part.run(
                self.stdout,
                sizes=parse_sizes(str(options["sizes"])),
                runs=int(options["runs"]),
                warmups=int(options["warmups"]),
                explain=not options["no_explain"],
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
