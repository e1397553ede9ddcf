"""The SLA dashboard's figures per supplier and priority (design §1: the NOC manager's view).

Each figure is one grouped query (`values().annotate()`) over an indexed column: the "open
now" figures over the partial index of non-terminal faults, the period figures over the
milestone times (resolved_at, rejected_at, submitted_at, sla_due_at), and one grouped query per
group of columns the apps above contribute (`faults.contributions.DashboardCounts`, e.g. the
missed appointments by side). The number of queries is fixed; it never depends on how many
faults there are.

Time to repair is over the faults resolved in the period (status resolved or closed, by
resolved time), in wall-clock time from raised to resolved (`faults.reports.durations`):
"with on-hold" is all of it, "without on-hold" leaves out the time on hold (the SLA pauses).
Whether the SLA was kept is the SLA state's to say, in the policy's calendar.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.db import connections, transaction
from django.db.models import Count, Q, QuerySet, Sum

from faults.choices import OPEN_STATUSES, FaultStatus, SlaState
from faults.contributions import DashboardCounts, contributions
from faults.figure_links import FigureLink, Params, day_span, figure_link
from faults.models import Fault
from faults.reports import repair_times
from faults.reports.aggregates import GroupKey, group_percentiles
from faults.reports.aside import Aside, can_run_aside
from faults.reports.daily import weekly_counts
from faults.reports.durations import (
    hold_seconds,
    repair_seconds,
    repair_without_hold_seconds,
)
from faults.reports.filters import DashboardFilters
from faults.reports.planner import without_jit
from faults.reports.trends import BREACH_STATES, WeekTrend, weekly_trends
from faults.suppliers import Supplier, supplier_model
from faults.worklists import Milestone

# Faults with the supplier and not finished (a draft has not been raised yet).
RESOLVED_STATUSES = (FaultStatus.RESOLVED, FaultStatus.CLOSED)
MEDIAN, P90 = 0.5, 0.9
GROUP = ("supplier_id", "priority")


@dataclass
class RepairStats:
    """Time to repair in seconds; None when nothing was resolved."""

    mean: float | None = None
    median: float | None = None
    p90: float | None = None


@dataclass
class DashboardRow:
    """The figures of one supplier and priority (or, with both None, of every row)."""

    supplier_id: int | None
    priority: int | None
    supplier_name: str = ""
    open_by_status: dict[str, int] = field(default_factory=dict)
    at_risk: int = 0
    breached: int = 0
    resolved: int = 0
    repair_seconds: float = 0  # sum of the resolved faults' times to repair, on hold included
    hold_seconds: float = 0  # the part of it spent on hold
    repair: RepairStats = field(default_factory=RepairStats)
    repair_with_hold: RepairStats = field(default_factory=RepairStats)
    # Per contributed group of columns (its key), the count per column key.
    counted: dict[str, dict[str, int]] = field(default_factory=dict)
    # Every group's, in column order; None where the group does not apply to the supplier.
    counted_columns: list[int | None] = field(default_factory=list)
    rejected: int = 0
    # Each figure's link to the fault list (FIGURES' keys, "open:<status>" per open status).
    links: dict[str, FigureLink] = field(default_factory=dict)

    @property
    def open_links(self) -> list[FigureLink]:
        """The open-by-status figures' links, in OPEN_STATUSES order."""
        return [self.links[f"open:{s}"] for s in OPEN_STATUSES]

    @property
    def open_total(self) -> int:
        return sum(self.open_by_status.values())

    @property
    def open_counts(self) -> list[int]:
        """Open faults in OPEN_STATUSES order (for the table and the CSV)."""
        return [self.open_by_status.get(s, 0) for s in OPEN_STATUSES]

    def counts_of(self, group: DashboardCounts) -> list[int]:
        """The row's counts in a contributed group's columns, in their order."""
        found = self.counted.get(group.key, {})
        return [found.get(column, 0) for column, _ in group.columns]

    @property
    def on_hold_share(self) -> float | None:
        """Time on hold as a share (0-1) of the time to repair with on-hold."""
        return self.hold_seconds / self.repair_seconds if self.repair_seconds else None

    @property
    def on_hold_percent(self) -> float | None:
        share = self.on_hold_share
        return None if share is None else share * 100


@dataclass
class Dashboard:
    filters: DashboardFilters
    rows: list[DashboardRow]
    total: DashboardRow
    trends: list[WeekTrend]
    counted: list[DashboardCounts] = field(default_factory=list)  # the contributed columns
    open_statuses: tuple[str, ...] = OPEN_STATUSES

    @property
    def counted_titles(self) -> str:
        """The contributed groups' titles, to head the table they share with rejected raises."""
        return ", ".join(group.title for group in self.counted)


def _faults(filters: DashboardFilters) -> QuerySet[Fault]:
    faults = Fault.objects.order_by()
    if filters.supplier is not None:
        faults = faults.filter(supplier=filters.supplier)
    if filters.priority is not None:
        faults = faults.filter(priority=filters.priority)
    return faults


def resolved_in_period(filters: DashboardFilters) -> QuerySet[Fault]:
    return _faults(filters).filter(
        resolved_at__gte=filters.start, resolved_at__lt=filters.end, status__in=RESOLVED_STATUSES
    )


class _Rows(dict[GroupKey, DashboardRow]):
    def at(self, supplier_id: int, priority: int) -> DashboardRow:
        key = (supplier_id, priority)
        if key not in self:
            self[key] = DashboardRow(supplier_id=supplier_id, priority=priority)
        return self[key]


def _add_open(rows: _Rows, faults: QuerySet[Fault]) -> None:
    grouped = (
        faults.filter(status__in=OPEN_STATUSES)
        .values(*GROUP, "status")
        .annotate(
            n=Count("id"),
            at_risk=Count("id", filter=Q(sla_state=SlaState.AT_RISK)),
            breached=Count("id", filter=Q(sla_state=SlaState.BREACHED)),
        )
    )
    for g in grouped:
        row = rows.at(g["supplier_id"], g["priority"])
        row.open_by_status[g["status"]] = g["n"]
        row.at_risk += g["at_risk"]
        row.breached += g["breached"]


def _add_repair(
    rows: _Rows,
    total: DashboardRow,
    resolved: QuerySet[Fault],
    of_all: Callable[[], RepairFound | None] | None = None,
) -> None:
    """`of_all`: the figures of all rows (repair_found), where the caller started them aside."""
    if repair_times.stored(resolved.db):
        _add_repair_in_one_pass(rows, total, resolved, of_all)
    else:
        _add_repair_per_aggregate(rows, total, resolved)
    for row in [*rows.values(), total]:
        if row.resolved:
            row.repair.mean = (row.repair_seconds - row.hold_seconds) / row.resolved
            row.repair_with_hold.mean = row.repair_seconds / row.resolved


# The resolved faults' times to repair, per row and for all rows, over each fault's time to
# repair and time on hold as PostgreSQL's triggers keep them on its row
# (faults.reports.repair_times: the expressions of faults.reports.durations, computed when the
# fault is written, so the figures are the ones computed here per fault before). Over a year at
# a million faults (make bench) this was most of the dashboard's time:
# - the durations were computed per fault and the pauses of the period's faults joined, on
#   every view; now two stored columns are read, which the covering index fault_resolved_repair
#   holds with everything else the query reads (an index-only scan of the period);
# - each percentile sorted the faults again: percentile_cont(ARRAY[median, p90]) sorts once
#   for both;
# - the sorts spilled to disk at the default work_mem (4 MB): the query gets REPORT_WORK_MEM.
# Two queries, per row and for all rows, rather than one with GROUPING SETS: they sort the same
# values, and the second can run beside the first on another connection (_Aside), so that a
# year's sorts take the time of the larger one instead of both (~100 ms and ~75 ms at a million
# faults).
_REPAIR_QUERY = """
SELECT {group}, count(*), sum(repair_seconds), sum(repair_hold_seconds),
       percentile_cont(ARRAY[{fractions}])
         WITHIN GROUP (ORDER BY repair_seconds - repair_hold_seconds),
       percentile_cont(ARRAY[{fractions}]) WITHIN GROUP (ORDER BY repair_seconds)
FROM ({faults}) AS resolved
{group_by}
"""
# Enough for a year's sorts at a million faults in memory (local to the query's transaction).
REPORT_WORK_MEM = "64MB"

RepairFound = list[tuple]  # (supplier_id, priority, n, repair, hold, without_hold, with_hold)
PRIORITIES = range(1, 6)  # Fault.priority's validators: 1 is highest

# Per row, each supplier and priority's faults of the period read as one range of the index
# fault_row_resolved_repair (supplier, priority, resolved time), so that nothing sorts the
# period's faults into rows before the percentiles sort each row's values: over a year at a
# million faults ~60 ms instead of ~100 ms. The rows are every supplier with every priority; a
# fault outside them (no supplier, a priority the validators would refuse) is caught by the
# count of all rows, and the rows are then grouped as usual (_repair_per_row_grouped).
_REPAIR_PER_ROW = """
SELECT row_key.supplier_id, row_key.priority, figures.*
FROM (VALUES {rows}) AS row_key (supplier_id, priority)
CROSS JOIN LATERAL ({figures} WHERE resolved.supplier_id = row_key.supplier_id
                                AND resolved.priority = row_key.priority) AS figures
"""


def _repair_query(resolved: QuerySet[Fault], *, per_row: bool) -> tuple[str, list]:
    each = resolved.values(*GROUP, "repair_seconds", "repair_hold_seconds")
    sql, params = each.query.sql_with_params()
    # The fractions are constants of this module, rendered as numeric literals (nothing given).
    query = (
        _REPAIR_QUERY.replace("{fractions}", f"{MEDIAN!r}, {P90!r}")
        .replace("{group}", "supplier_id, priority" if per_row else "NULL, NULL")
        .replace("{group_by}", "GROUP BY supplier_id, priority" if per_row else "")
        .replace("{faults}", sql)
    )
    return query, list(params)


def _repair_per_row_query(resolved: QuerySet[Fault], suppliers: Iterable[int]) -> tuple[str, list]:
    of_all, params = _repair_query(resolved, per_row=False)
    figures = of_all.replace("SELECT NULL, NULL,", "SELECT", 1)
    # Integers of the database's own keys and of PRIORITIES, rendered as literals.
    rows = ", ".join(f"({int(s)}, {int(p)})" for s in sorted(suppliers) for p in PRIORITIES)
    return _REPAIR_PER_ROW.replace("{rows}", rows).replace("{figures}", figures.strip()), params


def _fetch_with_work_mem(using: str, query: str, params: list) -> RepairFound:
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        # Put back after the query, in case this is a savepoint of a longer transaction.
        cursor.execute(
            "SELECT current_setting('work_mem'), set_config('work_mem', %s, true)",
            [REPORT_WORK_MEM],
        )
        before = cursor.fetchone()[0]
        cursor.execute(query, params)
        found = cursor.fetchall()
        cursor.execute("SELECT set_config('work_mem', %s, true)", [before])
    return found


def repair_found(resolved: QuerySet[Fault], *, per_row: bool) -> RepairFound:
    """The time-to-repair figures per supplier and priority (`per_row`: grouped by them), or of
    all the resolved faults (one row, supplier and priority None), from the stored times."""
    return _fetch_with_work_mem(resolved.db, *_repair_query(resolved, per_row=per_row))


def repair_found_per_row(resolved: QuerySet[Fault]) -> RepairFound:
    """As repair_found(per_row=True), each row read through its own index range; to be checked
    against the figures of all rows (`checked_per_row`)."""
    suppliers = supplier_model().objects.using(resolved.db).order_by().values_list("pk", flat=True)
    suppliers = list(suppliers)
    if not suppliers:  # no fault has a supplier: any resolved one is caught by the count
        return []
    return _fetch_with_work_mem(resolved.db, *_repair_per_row_query(resolved, suppliers))


def checked_per_row(
    resolved: QuerySet[Fault], per_row: RepairFound, of_all: RepairFound
) -> RepairFound:
    """`per_row` (repair_found_per_row) without its empty rows, when its counts add up to the
    count of all rows; else the rows grouped (a fault of no supplier, or of a priority outside
    PRIORITIES)."""
    if sum(n for _, _, n, *_ in per_row) != sum(n for _, _, n, *_ in of_all):
        return repair_found(resolved, per_row=True)
    return [figures for figures in per_row if figures[2]]


def _add_repair_found(
    rows: _Rows, total: DashboardRow, per_row: RepairFound, of_all: RepairFound
) -> None:
    for found, every_row in ((per_row, False), (of_all, True)):
        for supplier_id, priority, n, repair, hold, without_hold, with_hold in found:
            if not n:
                continue
            row = total if every_row else rows.at(supplier_id, priority)
            row.resolved, row.repair_seconds, row.hold_seconds = n, repair, hold
            row.repair.median, row.repair.p90 = without_hold
            row.repair_with_hold.median, row.repair_with_hold.p90 = with_hold


def _add_repair_in_one_pass(
    rows: _Rows,
    total: DashboardRow,
    resolved: QuerySet[Fault],
    of_all: Callable[[], RepairFound | None] | None = None,
) -> None:
    """The stored times' figures: per row, each row from its own index range, then of all rows
    (started aside by the caller, `of_all`, while the rows are read; else read here)."""
    per_row = repair_found_per_row(resolved)
    every = of_all() if of_all is not None else None
    if every is None:
        every = repair_found(resolved, per_row=False)
    _add_repair_found(rows, total, checked_per_row(resolved, per_row, every), every)


def _add_repair_per_aggregate(rows: _Rows, total: DashboardRow, resolved: QuerySet[Fault]) -> None:
    """As _add_repair_in_one_pass, where there is no GROUPING SETS nor percentile_cont, nor the
    triggers that keep the times to repair: computed per fault (faults.reports.durations)."""
    sums = resolved.values(*GROUP).annotate(
        n=Count("id"), repair=Sum(repair_seconds()), hold=Sum(hold_seconds())
    )
    for g in sums:
        row = rows.at(g["supplier_id"], g["priority"])
        row.resolved, row.repair_seconds, row.hold_seconds = g["n"], g["repair"], g["hold"]
        total.resolved += g["n"]
        total.repair_seconds += g["repair"]
        total.hold_seconds += g["hold"]
    for attr, value in (
        ("repair", repair_without_hold_seconds()),
        ("repair_with_hold", repair_seconds()),
    ):
        for group_by, targets in ((GROUP, None), ((), total)):
            found = group_percentiles(
                resolved, value=value, group_by=group_by, fractions=(MEDIAN, P90)
            )
            for key, pct in found.items():
                row = targets if targets is not None else rows.at(*key)
                getattr(row, attr).median = pct.get(MEDIAN)
                getattr(row, attr).p90 = pct.get(P90)


def _rejected(faults: QuerySet[Fault], filters: DashboardFilters) -> QuerySet:
    return (
        faults.filter(rejected_at__gte=filters.start, rejected_at__lt=filters.end)
        .values(*GROUP)
        .annotate(n=Count("id"))
    )


def _add_rejected(rows: _Rows, grouped: Iterable[dict]) -> None:
    for g in grouped:
        rows.at(g["supplier_id"], g["priority"]).rejected = g["n"]


def _add_counted(rows: _Rows, filters: DashboardFilters, groups: list[DashboardCounts]) -> None:
    for group in groups:
        for supplier_id, priority, column, n in group.counts(filters):
            counted = rows.at(supplier_id, priority).counted.setdefault(group.key, {})
            counted[column] = counted.get(column, 0) + n


def _sum_counts(total: DashboardRow, rows: Iterable[DashboardRow]) -> None:
    for row in rows:
        for status, n in row.open_by_status.items():
            total.open_by_status[status] = total.open_by_status.get(status, 0) + n
        total.at_risk += row.at_risk
        total.breached += row.breached
        total.rejected += row.rejected
        for key, counted in row.counted.items():
            into = total.counted.setdefault(key, {})
            for column, n in counted.items():
                into[column] = into.get(column, 0) + n


# --- each figure's faults, as the fault list's filters (faults.ui.worklists.filters) ----------
# Beside the queries above, and tested figure by figure against them: the list's count behind a
# figure's link is the figure. Each is (words for the faults, filters); a period's figures also
# take the period's days (a week's, cut to the period, for the weekly trends).


def _statuses(statuses: Iterable[str]) -> list[tuple[str, str]]:
    return [("status", s) for s in statuses]


def _between(milestone: str, first: date, last: date) -> list[tuple[str, str]]:
    return [
        ("milestone", milestone),
        ("milestone_from", first.isoformat()),
        ("milestone_to", last.isoformat()),
    ]


def figure_filters(figure: str, first: date, last: date) -> tuple[str, Params]:
    """What the faults behind `figure` are called and the list's filters that find them."""
    if figure.startswith("open:"):
        status = figure.removeprefix("open:")
        return f"open faults {FaultStatus(status).label.lower()}", _statuses([status])
    resolved = _statuses(RESOLVED_STATUSES) + _between(Milestone.RESOLVED, first, last)
    return {
        # _add_open: with the supplier and not finished, whatever the period.
        "open": ("open faults", _statuses(OPEN_STATUSES)),
        "at_risk": (
            "open faults at risk",
            [*_statuses(OPEN_STATUSES), ("sla_state", SlaState.AT_RISK)],
        ),
        "breached": (
            "open breached faults",
            [*_statuses(OPEN_STATUSES), ("sla_state", SlaState.BREACHED)],
        ),
        # resolved_in_period: behind every time to repair and the on-hold share too.
        "resolved": ("faults resolved", resolved),
        # _add_rejected
        "rejected": ("raises rejected", _between(Milestone.REJECTED, first, last)),
        # weekly_trends: raised by submitted time, breached by the SLA target passed.
        "raised": ("faults raised", _between(Milestone.SUBMITTED, first, last)),
        "breached_in": (
            "SLA breaches",
            [("sla_state", s) for s in BREACH_STATES] + _between(Milestone.SLA_DUE, first, last),
        ),
    }[figure]


ROW_FIGURES = ("open", "at_risk", "breached", "resolved", "rejected")
WEEK_FIGURES = ("raised", "resolved", "breached_in")


def _link(
    figure: str,
    count: int,
    first: date,
    last: date,
    *,
    supplier: Supplier | None,
    priority: int | None,
    in_period: bool,
) -> FigureLink:
    what, params = figure_filters(figure, first, last)
    narrowed: list = [("supplier", supplier.slug)] if supplier is not None else []
    if priority is not None:
        narrowed.append(("priority", priority))
    scope = [f"for {supplier.name}"] if supplier is not None else []
    if priority is not None:
        scope.append(f"P{priority}")
    scope.append(day_span(first, last) if in_period else "now")
    return figure_link(count, what, [*narrowed, *params], scope=", ".join(scope))


def _row_links(row: DashboardRow, filters: DashboardFilters, supplier: Supplier | None) -> None:
    counts = {
        "open": row.open_total,
        "at_risk": row.at_risk,
        "breached": row.breached,
        "resolved": row.resolved,
        "rejected": row.rejected,
        **{f"open:{s}": row.open_by_status.get(s, 0) for s in OPEN_STATUSES},
    }
    row.links = {
        figure: _link(
            figure,
            count,
            filters.date_from,
            filters.date_to,
            supplier=supplier,
            priority=row.priority if row.priority is not None else filters.priority,
            in_period=figure in ("resolved", "rejected"),
        )
        for figure, count in counts.items()
    }


def _week_links(trend: WeekTrend, filters: DashboardFilters) -> WeekTrend:
    first = max(trend.week_start, filters.date_from)
    last = min(trend.week_start + timedelta(days=6), filters.date_to)
    counts = {"raised": trend.raised, "resolved": trend.resolved, "breached_in": trend.breached}
    links = {
        figure: _link(
            figure,
            count,
            first,
            last,
            supplier=filters.supplier,
            priority=filters.priority,
            in_period=True,
        )
        for figure, count in counts.items()
    }
    return replace(trend, links=links)


def sla_dashboard(filters: DashboardFilters, *, concurrent: bool | None = None) -> Dashboard:
    """Every figure of the dashboard for the filters, in a fixed number of queries (without
    PostgreSQL's JIT, which cost a year's figures more than it saved: faults.reports.planner).

    `concurrent`: whether the queries independent of the others (the time to repair of all rows,
    the rejected raises) run on a second connection meanwhile
    (faults.reports.aside); by default wherever that is safe. The figures are the same."""
    using = Fault.objects.db
    if concurrent is None or concurrent:
        concurrent = can_run_aside(using)
    with without_jit(using):
        return _sla_dashboard(filters, concurrent=concurrent)


@dataclass
class _AsideFigures:
    repair_of_all: RepairFound | None
    rejected: list[dict]


def _aside_figures(filters: DashboardFilters) -> _AsideFigures:
    """The figures that need none of the others' (run aside of them: _sla_dashboard)."""
    resolved = resolved_in_period(filters)
    return _AsideFigures(
        repair_of_all=(
            repair_found(resolved, per_row=False) if repair_times.stored(resolved.db) else None
        ),
        rejected=list(_rejected(_faults(filters), filters)),
    )


def _sla_dashboard(filters: DashboardFilters, *, concurrent: bool) -> Dashboard:
    faults = _faults(filters)
    resolved = resolved_in_period(filters)
    rows = _Rows()
    total = DashboardRow(supplier_id=None, priority=None, supplier_name="All")
    counted = contributions(DashboardCounts)
    aside = Aside(Fault.objects.db, lambda: _aside_figures(filters), concurrent=concurrent)
    try:
        _add_open(rows, faults)
        _add_counted(rows, filters, counted)
        _add_repair(rows, total, resolved, lambda: aside.wait().repair_of_all)
        weekly_counted = weekly_counts(filters)
        figures = aside.wait()
    except BaseException:
        aside.cancel_or_wait()
        raise
    _add_rejected(rows, figures.rejected)
    _sum_counts(total, rows.values())
    suppliers = supplier_model().objects.in_bulk({k[0] for k in rows})
    for row in [*rows.values(), total]:
        row.counted = {
            group.key: dict(zip(group.keys, row.counts_of(group), strict=True)) for group in counted
        }
        supplier = suppliers.get(row.supplier_id)
        row.counted_columns = [
            None if supplier is not None and not group.applies_to(supplier) else n
            for group in counted
            for n in row.counts_of(group)
        ]
    for (supplier_id, _), row in rows.items():
        supplier = suppliers.get(supplier_id)
        row.supplier_name = supplier.name if supplier is not None else str(supplier_id)
        _row_links(row, filters, supplier)
    _row_links(total, filters, filters.supplier)
    ordered = sorted(rows.values(), key=lambda r: (r.supplier_name.lower(), r.priority or 0))
    # From the per-day counts the triggers keep (faults.reports.daily); where they cannot serve
    # the filters, weekly_counts is None and the trends count the faults themselves.
    weekly = weekly_trends(faults, filters, resolved=resolved, counts=weekly_counted)
    trends = [_week_links(w, filters) for w in weekly]
    return Dashboard(filters=filters, rows=ordered, total=total, trends=trends, counted=counted)
