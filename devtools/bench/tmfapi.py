"""Time our TMF621 Trouble Ticket API as the fault table grows (make bench, part `tmfapi`).

For each size the table is topped up to that many faults by the UI benchmark's generator, with
one fault in two a ticket raised through the API (severity, ticket type, external id, and the
audit trail its `statusChange` is read from). Then the requests a buyer's OSS or helpdesk makes
are sent through Django's test client as a manager with an API token, against the real URLs:

- the list filtered by status, severity and a creation date range (the last 30 days), second
  page of 20, with its X-Total-Count;
- the list filtered by ticket type over the last 7 days, first page of 20;
- the newest page without a filter (its X-Total-Count counts every ticket);
- one ticket with `fields=id,status,statusChange` (a closed one with a whole history).

Each figure is the median of `runs` requests after `warmups`, with the queries one request makes.
The goal is that a hundred times more history costs at most three times more time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TextIO
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from devtools.bench.generate import FAULTS_PER_DAY, TICKET_EVERY
from devtools.bench.ui import (
    DEFAULT_SIZES,
    GROWTH_GOAL,
    ensure_partners,
    explain_queries,
    fault_count,
    grow_to,
    manager_user,
    time_get,
)
from faults.choices import FaultStatus
from integrations.tmf621_api.models import TicketAttributes

API = "/tmf-api/troubleTicket/v4/troubleTicket"
TABLES = ("faults_fault", "tmf621_api_ticketattributes", "faults_faultevent")


@dataclass(frozen=True)
class Request:
    label: str
    url: str


@dataclass(frozen=True)
class Measure:
    median_ms: float
    queries: int
    total_count: str  # X-Total-Count ("" for one ticket)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def bench_requests(*, now: datetime, ticket_id: str) -> list[Request]:
    """The timed GETs. The date ranges are fixed at the start, so every size asks for the same
    weeks, which hold the same number of faults whatever the history behind them."""
    month = {"creationDate.gte": _iso(now - timedelta(days=30)), "creationDate.lt": _iso(now)}
    week = {"creationDate.gte": _iso(now - timedelta(days=7)), "creationDate.lt": _iso(now)}
    return [
        Request(
            "in progress, one severity, 30 days, page 2",
            f"{API}?"
            + urlencode(
                {"status": "inProgress", "severity": "moderate", **month, "offset": 20, "limit": 20}
            ),
        ),
        Request(
            "one ticket type, 7 days, page 1",
            f"{API}?" + urlencode({"ticketType": "installation", **week, "limit": 20}),
        ),
        Request("newest page, no filter", f"{API}?" + urlencode({"limit": 20})),
        Request(
            "one ticket, fields=id,status,statusChange",
            f"{API}/{ticket_id}?fields=id,status,statusChange",
        ),
    ]


def _manager_api_client() -> Client:
    token, _ = Token.objects.get_or_create(user=manager_user())
    # SERVER_NAME: a host ALLOWED_HOSTS accepts without the test runner's environment.
    return Client(SERVER_NAME="localhost", headers={"Authorization": f"Token {token.key}"})


def _ticket_with_history() -> str:
    """The oldest closed ticket of the first size: the same one at every size."""
    reference = (
        TicketAttributes.objects.filter(fault__status=FaultStatus.CLOSED)
        .order_by("fault_id")
        .values_list("fault__buyer_fault_reference", flat=True)
        .first()
    )
    if reference is None:
        raise RuntimeError("The generated faults hold no closed ticket; give a larger size.")
    return reference


def _measure(client: Client, request: Request, *, runs: int, warmups: int) -> Measure:
    median = time_get(client, request.url, runs=runs, warmups=warmups)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(request.url)
    return Measure(
        median_ms=median,
        queries=len(captured.captured_queries),
        total_count=response.headers.get("X-Total-Count", ""),
    )


def _queries_of(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return [query["sql"] for query in captured.captured_queries]


def run(
    out: TextIO,
    *,
    sizes: Sequence[int] = DEFAULT_SIZES,
    runs: int = 7,
    warmups: int = 2,
    explain: bool = True,
) -> dict[int, dict[str, Measure]]:
    if connection.vendor != "postgresql":
        raise RuntimeError("bench_tmfapi generates its data with PostgreSQL's generate_series.")
    sizes = sorted(sizes)
    if fault_count() > sizes[0]:
        raise RuntimeError(
            f"The database already holds {fault_count():,} bench faults, more than the first "
            f"size ({sizes[0]:,}): run on a database of its own (make bench does)."
        )
    partners = ensure_partners()
    client = _manager_api_client()
    now = timezone.now()
    out.write(
        f"\nTMF621 API benchmark: {', '.join(f'{s:,}' for s in sizes)} faults at "
        f"~{FAULTS_PER_DAY} a day, one in {TICKET_EVERY} a ticket raised through the API; "
        f"median of {runs} GETs after {warmups} warm-ups, as a manager with an API token\n"
    )
    results: dict[int, dict[str, Measure]] = {}
    requests: list[Request] = []
    for size in sizes:
        generated = grow_to(size, partners=partners, now=now, tmf_tickets=True)
        requests = requests or bench_requests(now=now, ticket_id=_ticket_with_history())
        results[size] = {r.label: _measure(client, r, runs=runs, warmups=warmups) for r in requests}
        out.write(f"  {size:>10,} faults generated in {generated:6.1f} s:\n")
        for r in requests:
            m = results[size][r.label]
            total = f", X-Total-Count {m.total_count}" if m.total_count else ""
            out.write(f"      {r.label:<42} {m.median_ms:8.1f} ms, {m.queries} queries{total}\n")
    _table(out, requests, results)
    if explain:
        out.write(f"\nQueries at {sizes[-1]:,} faults (EXPLAIN ANALYZE):\n")
        for r in requests:
            out.write(f"  {r.label}: GET {r.url}\n")
            explain_queries(out, _queries_of(client, r.url), tables=TABLES)
    return results


def _table(out: TextIO, requests: list[Request], results: dict[int, dict[str, Measure]]) -> None:
    sizes = list(results)
    out.write(f"\n{'ms (median)':<42}" + "".join(f"{s:>12,}" for s in sizes) + "\n")
    for r in requests:
        figures = "".join(f"{results[s][r.label].median_ms:>12.1f}" for s in sizes)
        out.write(f"{r.label:<42}{figures}\n")
    if len(sizes) < 2:
        return
    first = sizes[0]
    for size in sizes[1:]:
        for r in requests:
            a, b = results[first][r.label].median_ms, results[size][r.label].median_ms
            growth = b / a if a else float("inf")
            verdict = "ok" if growth <= GROWTH_GOAL else f"OVER the {GROWTH_GOAL:g}x goal"
            out.write(f"ratio {size:,} / {first:,} faults, {r.label}: x{growth:.2f} ({verdict})\n")
