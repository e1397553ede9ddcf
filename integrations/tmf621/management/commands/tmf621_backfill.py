"""Read TMF621 suppliers' tickets back into the inbox (`integrations.tmf621.backfill`): what
changed since the last complete run, or what the filters ask for."""

from argparse import ArgumentTypeError
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.tmf621.backfill import (
    ALLOWED_FILTERS,
    MAX_PAGES,
    PAGE_SIZE,
    SupplierCallFailed,
    check_filters,
    tickets_backfill,
)
from integrations.tmf621.models import Tmf621Connection
from integrations.tmf621.package import PROTOCOL


def _datetime(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        raise ArgumentTypeError("give a time zone (e.g. 2026-01-31T00:00:00Z)")
    return parsed


def _filter(value: str) -> tuple[str, str]:
    name, sep, wanted = value.partition("=")
    if not sep:
        raise ArgumentTypeError(f"{value!r}: write it as name=value")
    return name.strip(), wanted


class Command(BaseCommand):
    help = (
        "Read TMF621 suppliers' tickets back (GET /troubleTicket) and store each in the inbox. "
        "By default, every active TMF621 partner, what changed since the last complete run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--partner", action="append", default=[], help="A partner's slug (repeatable)."
        )
        parser.add_argument(
            "--since",
            type=_datetime,
            help="Tickets updated after this time (ISO 8601 with a zone) instead of the last run.",
        )
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            type=_filter,
            metavar="NAME=VALUE",
            help=f"One of the supplier's filters: {', '.join(sorted(ALLOWED_FILTERS))}.",
        )
        parser.add_argument("--page-size", type=int, default=PAGE_SIZE)
        parser.add_argument("--max-pages", type=int, default=MAX_PAGES)

    def handle(self, *args: object, **options: object) -> None:
        try:
            filters = check_filters(dict(options["filter"]))  # type: ignore[arg-type]
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if options["page_size"] < 1 or options["max_pages"] < 1:  # type: ignore[operator]
            raise CommandError("--page-size and --max-pages must be at least 1.")
        connections = Tmf621Connection.objects.select_related("partner").filter(
            partner__protocol=PROTOCOL, partner__is_active=True
        )
        slugs = options["partner"]
        if slugs:
            connections = connections.filter(partner__slug__in=slugs)
            missing = sorted(set(slugs) - {c.partner.slug for c in connections})  # type: ignore[arg-type]
            if missing:
                raise CommandError(f"No active TMF621 partner: {', '.join(missing)}.")
        failed = []
        for connection in connections.order_by("partner__name"):
            try:
                result = tickets_backfill(
                    connection=connection,
                    since=options["since"],  # type: ignore[arg-type]
                    filters=filters,
                    page_size=options["page_size"],  # type: ignore[arg-type]
                    max_pages=options["max_pages"],  # type: ignore[arg-type]
                )
            except SupplierCallFailed as exc:
                failed.append(connection.partner.slug)
                self.stderr.write(f"{connection.partner}: {exc}")
                continue
            self.stdout.write(f"{connection.partner}: {result.summary()}")
        if failed:
            raise CommandError(f"Back-fill failed for {', '.join(failed)}.")
