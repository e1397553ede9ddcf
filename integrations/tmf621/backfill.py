"""Back-fill: read the supplier's tickets back with `GET /troubleTicket` and the seed's filters,
page by page (`offset`, `limit`; the supplier counts them in `X-Total-Count`), and store each one
in the inbox like an event (`inbound.store_ticket(source="backfill")`), so that what we missed
(our listener down, a partner set up late) is applied once, in order, by the inbox.

By default a run reads what changed since the last complete run (`lastUpdate.gt`, from
`Tmf621Connection.backfilled_until`), and a complete run moves that point to its start, less an
overlap for clocks that disagree: a ticket read twice is the same inbox message (its id is the
ticket's id and `lastUpdate`), never applied twice. A run with other filters, a `since` of its
own, or cut short by `max_pages` reads what it was asked for and moves nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from integrations.http import OutboundRequest
from integrations.models import Partner
from integrations.tmf621.builders import format_datetime
from integrations.tmf621.calls import SupplierCallFailed, read_json, supplier_call
from integrations.tmf621.models import Tmf621Connection

__all__ = [
    "BackfillResult",
    "SupplierCallFailed",
    "check_filters",
    "tickets_backfill",
]

# Seed 002, "Supported filtering fields"; the dates also with .gt/.gte/.lt/.lte ("OpenAPI - Data
# Filtering").
FILTER_FIELDS = ("id", "ticketType", "ticketSubType", "correlationId", "name", "statusChangeReason")
DATE_FILTER_FIELDS = ("resolutionDate", "statusChangeDate", "lastUpdate", "creationDate")
DATE_OPERATORS = ("gt", "gte", "lt", "lte")
ALLOWED_FILTERS = frozenset(
    (
        *FILTER_FIELDS,
        *DATE_FILTER_FIELDS,
        *(f"{name}.{op}" for name in DATE_FILTER_FIELDS for op in DATE_OPERATORS),
    )
)
PAGE_SIZE = 100
MAX_PAGES = 1000  # a supplier that ignores `offset` would otherwise be read for ever
OVERLAP = timedelta(minutes=5)
JSON_HEADERS = {"Accept": "application/json"}


@dataclass(frozen=True)
class BackfillResult:
    since: datetime | None
    pages: int
    read: int  # tickets in the answers
    ours: int  # stored in the inbox (or already there): tickets of our faults
    not_ours: int  # tickets that name no fault of ours
    unreadable: int  # items that are not tickets
    complete: bool  # every page was read
    backfilled_until: datetime | None  # where the next run starts, when this one moved it

    def summary(self) -> str:
        since = f"since {format_datetime(self.since)}" if self.since else "from the start"
        text = (
            f"{self.read} ticket(s) read {since} in {self.pages} page(s): {self.ours} of our "
            f"faults stored for the inbox, {self.not_ours} not ours"
        )
        if self.unreadable:
            text += f", {self.unreadable} unreadable"
        if not self.complete:
            text += "; stopped before the last page (run it again to read on)"
        return text + "."


def check_filters(filters: Mapping[str, str]) -> dict[str, str]:
    """The filters, if the seed supports them all; else ValueError naming the ones it does."""
    unknown = sorted(set(filters) - ALLOWED_FILTERS)
    if unknown:
        raise ValueError(
            f"Not a filter of the supplier's API: {', '.join(unknown)}. Filters: "
            f"{', '.join(FILTER_FIELDS + DATE_FILTER_FIELDS)}, dates also with "
            f".{'/.'.join(DATE_OPERATORS)}."
        )
    return dict(filters)


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = str(headers.get(name, "")).strip()
    return int(value) if value.isascii() and value.isdigit() else None


@transaction.atomic
def _store_page(partner: Partner, tickets: list) -> list[bool | None]:
    """Each ticket of a page into the inbox, in one transaction: True when it is one of our
    faults', False when not, None when the item is no ticket."""
    stored: list[bool | None] = []
    for ticket in tickets:
        if not isinstance(ticket, dict) or not isinstance(ticket.get("id"), str):
            stored.append(None)
        else:
            from integrations.tmf621 import inbound  # the listener's; imports the inbox

            inbound_id = inbound.store_ticket(partner=partner, ticket=ticket, source="backfill")
            stored.append(inbound_id is not None)
    return stored


def tickets_backfill(
    *,
    connection: Tmf621Connection,
    since: datetime | None = None,
    filters: Mapping[str, str] | None = None,
    page_size: int = PAGE_SIZE,
    max_pages: int = MAX_PAGES,
    now: datetime | None = None,
) -> BackfillResult:
    """Read the supplier's tickets back into the inbox; raises `SupplierCallFailed` when a page
    cannot be read (the pages before it stay stored)."""
    started = now or timezone.now()
    partner = connection.partner
    query = check_filters(filters or {})
    from_last_run = since is None and not query
    since = connection.backfilled_until if since is None else since
    if since is not None:
        query["lastUpdate.gt"] = format_datetime(since)
    pages = read = ours = not_ours = unreadable = 0
    complete = False
    while pages < max_pages:
        request = OutboundRequest(
            message_type="listTroubleTicket",
            method="GET",
            path="troubleTicket",
            query={**query, "offset": str(read), "limit": str(page_size)},
            headers=JSON_HEADERS,
        )
        result = supplier_call(partner, request)
        tickets = read_json(result.body)
        if not isinstance(tickets, list):
            raise SupplierCallFailed(
                f"{partner} answered page {pages + 1} with something other than a list of "
                f"tickets (after {read} ticket(s))."
            )
        pages += 1
        stored = _store_page(partner, tickets)
        ours, not_ours, unreadable = (
            ours + stored.count(True),
            not_ours + stored.count(False),
            unreadable + stored.count(None),
        )
        read += len(tickets)
        total = _int_header(result.headers, "X-Total-Count")
        if len(tickets) < page_size or (total is not None and read >= total):
            complete = True
            break
    until = None
    if complete and from_last_run:
        until = started - OVERLAP
        connection.backfilled_until = until
        connection.save(update_fields=["backfilled_until"])
    return BackfillResult(since, pages, read, ours, not_ours, unreadable, complete, until)
