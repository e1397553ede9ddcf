"""Time the manager's pages as the fault table grows (make bench, after the ingest figures).

For each size the table is topped up to that many faults (devtools/bench/generate.py), then the
SLA dashboard (default period) and the fault list (page 1, default order) are fetched through
Django's test client as a logged-in manager, against the real URLs: the median of `runs`
requests after `warmups`. The goal is that a hundred times more history costs at most three
times more time.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TextIO

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from devtools.bench import queue_mine, saved_view
from devtools.bench.generate import FAULTS_PER_DAY, generate_faults
from faults.reports.dashboard import sla_dashboard
from faults.reports.filters import DEFAULT_DAYS, DashboardFilters, default_period
from faults.reports.planner import without_jit
from faults.roles import MANAGER, ensure_role_groups
from integrations.choices import Environment
from integrations.models import BuyerIdentifier, Partner

_INDEX_SCAN = re.compile(r"(?:Index (?:Only )?Scan using|Bitmap Index Scan on) (\S+)")
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
GROWTH_GOAL = 3.0
YEAR_DAYS = 365
PARTNERS = ("bench-cityfibre", "bench-openreach", "bench-netomnia")


@dataclass(frozen=True)
class SizeResult:
    faults: int
    generate_seconds: float
    dashboard_ms: float
    fault_list_ms: float
    sorted_list_ms: float
    year_dashboard_ms: float = 0.0  # the dashboard over the last 365 days
    saved_view_ms: float = 0.0  # the fault list opened through a saved view
    queue_mine_ms: float = 0.0  # the queue filtered to the agent's own faults


def ensure_partners() -> list[tuple[int, int]]:
    """The bench suppliers, as (partner id, buyer identifier id) pairs."""
    pairs = []
    for slug in PARTNERS:
        partner, _ = Partner.objects.get_or_create(
            slug=slug,
            defaults={
                "name": slug.removeprefix("bench-").title(),
                "protocol": "cityfibre",
                "environment": Environment.SIMULATOR,
                "base_url": "http://127.0.0.1:9/",
            },
        )
        identifier, _ = BuyerIdentifier.objects.get_or_create(
            partner=partner, code=f"B-{slug[:30]}", defaults={"is_default": True}
        )
        pairs.append((partner.pk, identifier.pk))
    return pairs


def manager_user() -> AbstractBaseUser:
    user, created = get_user_model().objects.get_or_create(username="bench-manager")
    if created:
        user.groups.add(ensure_role_groups()[MANAGER])
    return user


def _manager_client() -> Client:
    user = manager_user()
    # SERVER_NAME: a host ALLOWED_HOSTS accepts without the test runner's environment.
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    return client


def time_get(client: Client, url: str, *, runs: int, warmups: int) -> float:
    """The median time of a GET in milliseconds (the response must be a 200)."""
    timings = []
    for attempt in range(warmups + runs):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        if attempt >= warmups:
            timings.append(elapsed)
    return statistics.median(timings)


def fault_count() -> int:
    """How many bench faults the table holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM faults_fault WHERE starts_with(buyer_fault_reference, 'BENCH-')"
        )
        return cursor.fetchone()[0]


def grow_to(
    size: int, *, partners: list[tuple[int, int]], now: datetime, tmf_tickets: bool = False
) -> float:
    """Top the fault table up to `size` bench faults; return the seconds it took."""
    have = fault_count()
    started = time.perf_counter()
    if size > have:
        generate_faults(
            first=have + 1, last=size, partners=partners, now=now, tmf_tickets=tmf_tickets
        )
    return time.perf_counter() - started


def explain_dashboard(out: TextIO, *, days: int = DEFAULT_DAYS) -> None:
    """EXPLAIN ANALYZE every query the dashboard makes over faults, appointments or the per-day
    counts for the last `days` days, and say whether it reads them through an index."""
    date_from, date_to = default_period(days=days)
    with CaptureQueriesContext(connection) as captured:
        # One query after the other on this connection, so that every one is captured (the
        # view runs some on a second connection: faults.reports.aside).
        sla_dashboard(DashboardFilters(date_from=date_from, date_to=date_to), concurrent=False)
    out.write(f"\nDashboard queries over {days} days at this size (EXPLAIN ANALYZE):\n")
    with without_jit(connection.alias):  # as the dashboard runs them (faults.reports.planner)
        explain_queries(
            out,
            [query["sql"] for query in captured.captured_queries],
            # faults_dailyfaultcount: the weekly trends' per-day counts (faults.reports.daily).
            tables=("faults_fault", "appointments_appointment", "faults_dailyfaultcount"),
        )


def explain_queries(out: TextIO, queries: Sequence[str], *, tables: Sequence[str]) -> None:
    """EXPLAIN ANALYZE each query that reads one of `tables` (numbered as made), and say
    whether it reads them through an index."""
    for number, sql in enumerate(queries, 1):
        if not any(table in sql for table in tables):
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT TEXT) {sql}")
            plan = [row[0] for row in cursor.fetchall()]
        text = "\n".join(plan)
        full = [t for t in tables if re.search(rf"Seq Scan on {t}\b", text)]
        indexes = sorted({m.group(1) for line in plan if (m := _INDEX_SCAN.search(line))})
        runtime = next(
            (line.strip() for line in plan if line.strip().startswith("Execution Time")), ""
        )
        verdict = (
            f"SEQ SCAN on {', '.join(full)}" if full else f"indexes: {', '.join(indexes) or '-'}"
        )
        out.write(f"  {number:2d}. {sql[:70]}…\n      {verdict}; {runtime}\n")


def run(
    out: TextIO,
    *,
    sizes: Sequence[int] = DEFAULT_SIZES,
    runs: int = 7,
    warmups: int = 2,
    explain: bool = True,
) -> list[SizeResult]:
    if connection.vendor != "postgresql":
        raise RuntimeError("bench_ui generates its data with PostgreSQL's generate_series.")
    partners = ensure_partners()
    client = _manager_client()
    dashboard_url, list_url = reverse("sla-dashboard"), reverse("fault-list")
    sorted_url = f"{list_url}?sort=-priority"  # a click on the Priority column header
    year_url = f"{dashboard_url}?{year_query()}"
    view_url = saved_view.saved_view_url(manager_user())
    agent = queue_mine.bench_agent()
    agent_client = queue_mine.agent_client(agent)
    now = timezone.now()
    results = []
    out.write(
        f"\nUI benchmark: {', '.join(f'{s:,}' for s in sizes)} faults at "
        f"~{FAULTS_PER_DAY} a day; median of {runs} GETs after {warmups} warm-ups, as a manager\n"
    )
    for size in sorted(sizes):
        generated = grow_to(size, partners=partners, now=now)
        queue_mine.give_the_agent_work(agent)
        result = SizeResult(
            faults=size,
            generate_seconds=generated,
            dashboard_ms=time_get(client, dashboard_url, runs=runs, warmups=warmups),
            fault_list_ms=time_get(client, list_url, runs=runs, warmups=warmups),
            sorted_list_ms=time_get(client, sorted_url, runs=runs, warmups=warmups),
            year_dashboard_ms=time_get(client, year_url, runs=runs, warmups=warmups),
            saved_view_ms=saved_view.time_opening(client, view_url, runs=runs, warmups=warmups),
            queue_mine_ms=time_get(
                agent_client, queue_mine.queue_mine_url(), runs=runs, warmups=warmups
            ),
        )
        results.append(result)
        out.write(
            f"  {size:>10,} faults generated in {generated:6.1f} s: dashboard "
            f"{result.dashboard_ms:8.1f} ms, fault list {result.fault_list_ms:8.1f} ms, "
            f"sorted by priority {result.sorted_list_ms:8.1f} ms, "
            f"dashboard over a year {result.year_dashboard_ms:8.1f} ms, "
            f"list through a saved view {result.saved_view_ms:8.1f} ms, "
            f"queue filtered to mine {result.queue_mine_ms:8.1f} ms\n"
        )
    _table(out, results)
    if explain:
        explain_dashboard(out)
        explain_dashboard(out, days=YEAR_DAYS)
    return results


def _table(out: TextIO, results: list[SizeResult]) -> None:
    out.write(
        f"\n{'faults':>12} {'dashboard ms':>14} {'fault list ms':>14} {'by priority ms':>15}\n"
    )
    for r in results:
        out.write(
            f"{r.faults:>12,} {r.dashboard_ms:>14.1f} {r.fault_list_ms:>14.1f} "
            f"{r.sorted_list_ms:>15.1f}\n"
        )
    if len(results) < 2:
        return
    first, last = results[0], results[-1]
    for label, a, b in (
        ("dashboard", first.dashboard_ms, last.dashboard_ms),
        ("fault list", first.fault_list_ms, last.fault_list_ms),
        ("fault list by priority", first.sorted_list_ms, last.sorted_list_ms),
    ):
        growth = b / a if a else float("inf")
        verdict = "ok" if growth <= GROWTH_GOAL else f"OVER the {GROWTH_GOAL:g}x goal"
        span = f"{first.faults:,} -> {last.faults:,} faults"
        out.write(f"growth {span}, {label}: x{growth:.2f} ({verdict})\n")
    out.write(annual_review_verdict(first, last) + "\n")
    out.write(
        saved_view.verdict(first.faults, first.saved_view_ms, last.faults, last.saved_view_ms)
        + "\n"
    )
    out.write(
        queue_mine.verdict(first.faults, first.queue_mine_ms, last.faults, last.queue_mine_ms)
        + "\n"
    )


def year_query(today: date | None = None) -> str:
    """The dashboard's query string for the last 365 days (a manager's annual review)."""
    date_from, date_to = default_period(today, days=YEAR_DAYS)
    return f"date_from={date_from.isoformat()}&date_to={date_to.isoformat()}"


def annual_review_verdict(first: SizeResult, last: SizeResult) -> str:
    """The dashboard over a year at the largest size against its default 28 days at the
    smallest: a manager's annual review should cost at most GROWTH_GOAL times a month's view."""
    ratio = last.year_dashboard_ms / first.dashboard_ms if first.dashboard_ms else float("inf")
    verdict = "PASS" if ratio <= GROWTH_GOAL else "FAIL"
    return (
        f"annual review: dashboard over {YEAR_DAYS} days at {last.faults:,} faults "
        f"{last.year_dashboard_ms:.1f} ms vs {DEFAULT_DAYS} days at {first.faults:,} faults "
        f"{first.dashboard_ms:.1f} ms: x{ratio:.2f} ({verdict}, goal {GROWTH_GOAL:g}x)"
    )
