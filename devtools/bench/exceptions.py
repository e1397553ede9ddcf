"""Time the exception sweep over many open faults, and the queue's exceptions section over a
million faults (make bench, part `exceptions`, on a database of its own).

1. One rule on one fault. For each rule the sweep would evaluate (active, with an evaluator
   registered at run time), the database holds exactly one open fault, of the kind the rule is
   meant to hold on (devtools/bench/exceptions_data.py); the figure is the median time of the
   rule's evaluator (`evaluate(rule, now)`, what the sweep calls) over `runs` calls after
   `warmups`. The fault is rolled back afterwards.
2. The sweep. For each size the table is topped up to that many open faults of the mix, then the
   sweep runs twice, rule by rule (`rule_sweep`, what `exceptions_sweep` loops over): the first
   raises an exception wherever a rule holds (and writes it on the fault's timeline), the second
   finds nothing changed. For each rule: the time, the queries, and the per-fault cost (time /
   faults) beside the one-fault evaluation: the issue's goal is a per-fault cost of at most
   PER_FAULT_GOAL times one rule evaluation on one fault. The per-fault cost at the largest size
   is also compared with the one at the smallest (how the sweep scales).
3. The queue. The agent's queue page and its "Exceptions to act on" section alone are timed with
   the exceptions the sweep left open, then again after the table is grown to `queue_size`
   faults by the UI benchmark's generator (closed history, mostly) with one fault in a hundred
   of the new ones given an open exception: the section reads a bounded number of rows.

Figures are printed, never asserted.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.db import connection, reset_queries, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from devtools.bench.exceptions_data import (
    KINDS,
    PREFIX,
    analyze,
    generate_open_faults,
    kind_for_rule,
)
from devtools.bench.ui import ensure_partners, explain_queries, fault_count, grow_to, time_get
from faults.exceptions.models import CallToAction, TicketException, TicketExceptionRule
from faults.exceptions.rules import evaluator_for
from faults.exceptions.services import rule_sweep
from faults.exceptions.shifts import with_calls_to_action
from faults.exceptions.shipped import ship_rules
from faults.models import Fault
from faults.roles import AGENT, ensure_role_groups
from faults.worklists import (
    capped_count,
    fault_list_count_cap,
    open_exceptions,
    open_exceptions_first,
    queue_section_limit,
)

DEFAULT_SIZES = (10_000, 100_000)
DEFAULT_QUEUE_SIZE = 1_000_000
PER_FAULT_GOAL = 2.0
QUEUE_EXCEPTION_EVERY = 100  # one history fault in a hundred gets an open exception
TABLES = (
    "faults_fault",
    "faults_faultevent",
    "faults_slapause",
    "faults_ticketexception",
    "integrations_outboundmessage",
    "appointments_appointment",
)


class QueryCounter:
    """Counts the queries run while installed (`connection.execute_wrapper`); unlike
    CaptureQueriesContext it is not capped at the 9 000 queries Django keeps."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


@dataclass(frozen=True)
class Timed:
    ms: float
    queries: int
    raised: int = 0
    solved: int = 0


@dataclass
class SizeFigures:
    faults: int
    generate_seconds: float
    holding: dict[str, int] = field(default_factory=dict)  # faults each rule holds on
    first: dict[str, Timed] = field(default_factory=dict)  # the sweep that raises
    second: dict[str, Timed] = field(default_factory=dict)  # nothing changed since

    def total(self, which: str) -> Timed:
        rows = getattr(self, which).values()
        return Timed(
            ms=sum(r.ms for r in rows),
            queries=sum(r.queries for r in rows),
            raised=sum(r.raised for r in rows),
            solved=sum(r.solved for r in rows),
        )


@dataclass(frozen=True)
class QueueFigures:
    faults: int
    open_exceptions: int
    page_ms: float
    section_ms: float
    section_queries: int
    section_sql: tuple[str, ...]


def _median_ms(action: Callable[[], object], *, runs: int, warmups: int) -> float:
    timings = []
    for attempt in range(warmups + runs):
        started = time.perf_counter()
        action()
        if attempt >= warmups:
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _timed(action: Callable[[], Any]) -> tuple[Any, float, int]:
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        result = action()
        elapsed = (time.perf_counter() - started) * 1000
    return result, elapsed, counter.count


def swept_rules() -> list[TicketExceptionRule]:
    """The rules a sweep evaluates now: active, with an evaluator registered."""
    return [
        rule
        for rule in TicketExceptionRule.objects.all()
        if rule.is_active and evaluator_for(rule.type_name) is not None
    ]


def one_fault_baseline(
    rules: Sequence[TicketExceptionRule],
    *,
    partners: list[tuple[int, int]],
    now: datetime,
    runs: int,
    warmups: int,
) -> dict[str, tuple[float, bool]]:
    """Per rule: the median evaluation time (ms) on a database holding one open fault, of the
    kind the rule is meant to hold on, and whether it held."""
    baseline = {}
    for rule in rules:
        evaluate = evaluator_for(rule.type_name)
        with transaction.atomic():
            generate_open_faults(
                first=1, last=1, partners=partners, now=now, kind=kind_for_rule(rule.type_name)
            )
            fault_id = Fault.objects.get(buyer_fault_reference=f"{PREFIX}1").pk
            ms = _median_ms(lambda: evaluate(rule, now), runs=runs, warmups=warmups)  # noqa: B023
            baseline[rule.type_name] = (ms, fault_id in evaluate(rule, now))
            transaction.set_rollback(True)
    return baseline


def open_fault_count() -> int:
    return Fault.objects.filter(buyer_fault_reference__startswith=PREFIX).count()


def sweep_size(
    size: int,
    rules: Sequence[TicketExceptionRule],
    *,
    partners: list[tuple[int, int]],
    now: datetime,
) -> SizeFigures:
    """Top the open faults up to `size`, then sweep twice, rule by rule."""
    have = open_fault_count()
    started = time.perf_counter()
    if size > have:
        generate_open_faults(first=have + 1, last=size, partners=partners, now=now)
    analyze()
    figures = SizeFigures(faults=size, generate_seconds=time.perf_counter() - started)
    sweep_twice(figures, rules, now=now)
    for rule in rules:
        figures.holding[rule.type_name] = TicketException.objects.filter(
            rule=rule, solved_at__isnull=True
        ).count()
    return figures


def sweep_twice(
    figures: SizeFigures, rules: Sequence[TicketExceptionRule], *, now: datetime
) -> None:
    for which in ("first", "second"):
        for rule in rules:
            result, ms, queries = _timed(lambda: rule_sweep(rule, now=now))  # noqa: B023
            getattr(figures, which)[rule.type_name] = Timed(
                ms=ms, queries=queries, raised=result.raised, solved=result.solved
            )


def _agent_client() -> Client:
    user, created = get_user_model().objects.get_or_create(username="bench-agent")
    if created:
        user.groups.add(ensure_role_groups()[AGENT])
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    return client


def _exceptions_section(now: datetime) -> list:
    """What the queue page does for its exceptions section: the first rows, the capped count,
    each row's call to action for the shift on now."""
    limit = queue_section_limit()
    rows = open_exceptions_first(limit)
    if len(rows) == limit:
        capped_count(open_exceptions(), cap=fault_list_count_cap())
    return with_calls_to_action(rows, now)


def captured_sql(action: Callable[[], object]) -> list[str]:
    """The queries `action` runs, as PostgreSQL ran them. Django keeps the last 9 000 queries of a
    connection, so the log is emptied first (after a sweep it is full and would show none)."""
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        action()
    return [query["sql"] for query in captured.captured_queries]


def measure_queue(client: Client, *, now: datetime, runs: int, warmups: int) -> QueueFigures:
    section_sql = captured_sql(lambda: _exceptions_section(now))
    return QueueFigures(
        faults=Fault.objects.count(),
        open_exceptions=TicketException.objects.filter(solved_at__isnull=True).count(),
        page_ms=time_get(client, reverse("queue"), runs=runs, warmups=warmups),
        section_ms=_median_ms(lambda: _exceptions_section(now), runs=runs, warmups=warmups),
        section_queries=len(section_sql),
        section_sql=tuple(section_sql),
    )


_QUEUE_EXCEPTIONS = """
INSERT INTO faults_ticketexception (fault_id, rule_id, subject, comment, raised_at,
                                    solved_automatically, solved_reason)
SELECT f.id, (%s::int[])[1 + mod(f.id, %s)], 'Bench exception', '',
       %s::timestamptz - make_interval(secs => mod(f.id, 86400)), false, ''
FROM faults_fault f
WHERE f.id > %s AND mod(f.id, %s) = 0
ON CONFLICT DO NOTHING
"""


def add_queue_exceptions(*, after_id: int, now: datetime) -> int:
    """Open exceptions on one in QUEUE_EXCEPTION_EVERY faults after `after_id`, over the rules
    in turn."""
    rule_ids = list(TicketExceptionRule.objects.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            _QUEUE_EXCEPTIONS, [rule_ids, len(rule_ids), now, after_id, QUEUE_EXCEPTION_EVERY]
        )
        inserted = cursor.rowcount
        cursor.execute("ANALYZE faults_ticketexception")
    return inserted


def run(
    out: TextIO,
    *,
    sizes: Sequence[int] = DEFAULT_SIZES,
    queue_size: int = DEFAULT_QUEUE_SIZE,
    runs: int = 7,
    warmups: int = 2,
    explain: bool = True,
) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        raise RuntimeError("bench_exceptions generates its data with PostgreSQL's generate_series.")
    if Fault.objects.exists():
        raise RuntimeError(
            f"The database already holds {Fault.objects.count():,} faults: the one-fault figures "
            "need an empty table; run on a database of its own (make bench does)."
        )
    sizes = sorted(sizes)
    ship_rules(TicketExceptionRule, CallToAction)
    partners = ensure_partners()
    now = timezone.now()
    rules = swept_rules()
    skipped = sorted(
        set(TicketExceptionRule.objects.values_list("type_name", flat=True))
        - {r.type_name for r in rules}
    )
    out.write(
        f"\nException sweep benchmark: {len(rules)} rules evaluated "
        f"({', '.join(r.type_name for r in rules)})"
        + (f"; not evaluated (off, or no evaluator): {', '.join(skipped)}" if skipped else "")
        + f"\nOpen faults of {len(KINDS)} kinds: "
        + ", ".join(f"{k.name} {k.percent}%" for k in KINDS)
        + "\n"
    )
    baseline = one_fault_baseline(rules, partners=partners, now=now, runs=runs, warmups=warmups)
    results = []
    for size in sizes:
        figures = sweep_size(size, rules, partners=partners, now=now)
        results.append(figures)
        first, second = figures.total("first"), figures.total("second")
        out.write(
            f"  {size:>10,} open faults generated in {figures.generate_seconds:6.1f} s: first "
            f"sweep {first.ms / 1000:7.2f} s ({first.raised:,} raised, {first.queries:,} "
            f"queries), second sweep {second.ms / 1000:7.2f} s ({second.raised} raised, "
            f"{second.solved} solved, {second.queries} queries)\n"
        )
    _sweep_table(out, rules, baseline, results)
    if explain:
        out.write(f"\nEach rule's sweep at {sizes[-1]:,} open faults (EXPLAIN ANALYZE):\n")
        for rule in rules:
            queries = captured_sql(lambda: rule_sweep(rule, now=now))  # noqa: B023
            out.write(f" {rule.type_name}\n")
            explain_queries(out, queries, tables=TABLES)
    queue = _queue_part(out, rules, now=now, queue_size=queue_size, runs=runs, warmups=warmups)
    if explain and queue:
        out.write(f"\nThe exceptions section's queries at {queue[-1].faults:,} faults:\n")
        explain_queries(out, queue[-1].section_sql, tables=TABLES)
    return {"baseline": baseline, "sizes": results, "queue": queue}


def _queue_part(
    out: TextIO,
    rules: Sequence[TicketExceptionRule],
    *,
    now: datetime,
    queue_size: int,
    runs: int,
    warmups: int,
) -> list[QueueFigures]:
    client = _agent_client()
    results = [measure_queue(client, now=now, runs=runs, warmups=warmups)]
    if queue_size > results[0].faults:
        history = queue_size - open_fault_count()
        after_id = Fault.objects.order_by("-id").values_list("id", flat=True).first() or 0
        started = time.perf_counter()
        grow_to(fault_count() + history, partners=ensure_partners(), now=now)
        added = add_queue_exceptions(after_id=after_id, now=now)
        out.write(
            f"\n  grown to {Fault.objects.count():,} faults in {time.perf_counter() - started:.1f}"
            f" s (the UI benchmark's history), {added:,} open exceptions added on them\n"
        )
        results.append(measure_queue(client, now=now, runs=runs, warmups=warmups))
        _sweep_in_history(out, rules, now=now)
    out.write(
        f"\nThe queue (median of {runs} after {warmups} warm-ups, as an agent):\n"
        f"{'faults':>12} {'open exceptions':>16} {'queue page ms':>14} "
        f"{'exceptions section ms':>22} {'its queries':>12}\n"
    )
    for r in results:
        out.write(
            f"{r.faults:>12,} {r.open_exceptions:>16,} {r.page_ms:>14.1f} {r.section_ms:>22.1f} "
            f"{r.section_queries:>12}\n"
        )
    if len(results) > 1:
        a, b = results[0], results[-1]
        out.write(
            f"growth {a.faults:,} -> {b.faults:,} faults: queue page x{b.page_ms / a.page_ms:.2f},"
            f" exceptions section x{b.section_ms / a.section_ms:.2f}\n"
        )
    return results


def _sweep_in_history(out: TextIO, rules: Sequence[TicketExceptionRule], *, now: datetime) -> None:
    """The sweep again, the open faults now among a long closed history (as in production):
    the first solves the exceptions added for the queue (their conditions do not hold) and
    raises on the history's own open faults; the second finds nothing changed."""
    analyze()
    figures = SizeFigures(faults=Fault.objects.count(), generate_seconds=0)
    sweep_twice(figures, rules, now=now)
    first, second = figures.total("first"), figures.total("second")
    out.write(
        f"\nThe sweep at {figures.faults:,} faults ({open_fault_count():,} of them the open "
        f"faults above): first {first.ms / 1000:.2f} s ({first.raised:,} raised, "
        f"{first.solved:,} solved, {first.queries} queries), second {second.ms / 1000:.2f} s "
        f"({second.queries} queries); second sweep per rule, ms:\n"
    )
    for rule in rules:
        out.write(f"  {rule.type_name:<31}{figures.second[rule.type_name].ms:>9.1f}\n")


def _verdict(ratio: float) -> str:
    return "PASS" if ratio <= PER_FAULT_GOAL else "FAIL"


def _sweep_table(
    out: TextIO,
    rules: Sequence[TicketExceptionRule],
    baseline: dict[str, tuple[float, bool]],
    results: list[SizeFigures],
) -> None:
    largest = results[-1]
    n = largest.faults
    out.write(
        f"\nPer rule. one fault: median evaluation on a table of one open fault (the kind the "
        f"rule holds on; * = it held).\nAt {n:,} open faults: holds on, first sweep (raising) "
        f"and second sweep (nothing changed), ms and queries; per fault = sweep / {n:,}, in µs; "
        f"ratio = per fault / one fault (goal <= {PER_FAULT_GOAL:g}).\n"
    )
    out.write(
        f"{'rule':<31}{'one fault ms':>13}{'holds on':>10}{'1st ms':>10}{'q':>8}{'2nd ms':>9}"
        f"{'q':>4}{'1st µs/f':>10}{'2nd µs/f':>10}{'ratio 1st':>11}{'ratio 2nd':>11}\n"
    )
    for rule in rules:
        name = rule.type_name
        one_ms, held = baseline[name]
        first, second = largest.first[name], largest.second[name]
        r1 = first.ms / n / one_ms
        r2 = second.ms / n / one_ms
        out.write(
            f"{name:<31}{one_ms:>12.2f}{'*' if held else ' '}{largest.holding[name]:>10,}"
            f"{first.ms:>10.1f}{first.queries:>8,}{second.ms:>9.1f}{second.queries:>4}"
            f"{first.ms / n * 1000:>10.2f}{second.ms / n * 1000:>10.2f}"
            f"{r1:>7.4f} {_verdict(r1)}{r2:>7.4f} {_verdict(r2)}\n"
        )
    one_all = sum(ms for ms, _ in baseline.values())
    first, second = largest.total("first"), largest.total("second")
    for label, total in (("first sweep (raising)", first), ("second sweep", second)):
        per_fault = total.ms / n
        ratio = per_fault / one_all
        out.write(
            f"whole {label}: {total.ms / 1000:.2f} s over {n:,} open faults = "
            f"{per_fault * 1000:.2f} µs a fault; every rule on one fault {one_all:.2f} ms; "
            f"ratio {ratio:.4f} ({_verdict(ratio)} against {PER_FAULT_GOAL:g}x); "
            f"{total.queries:,} queries\n"
        )
    if len(results) > 1:
        small = results[0]
        out.write("\nScaling (per-fault cost at the largest size / at the smallest):\n")
        for which, label in (("first", "first sweep"), ("second", "second sweep")):
            a = small.total(which).ms / small.faults
            b = largest.total(which).ms / n
            out.write(
                f"  {label}: {a * 1000:.2f} µs a fault at {small.faults:,}, {b * 1000:.2f} at "
                f"{n:,}: x{b / a:.2f}; queries {small.total(which).queries:,} -> "
                f"{largest.total(which).queries:,}\n"
            )
