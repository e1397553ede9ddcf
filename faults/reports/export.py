"""The dashboard's figures as CSV: the same numbers as the page, in seconds and counts."""

from __future__ import annotations

from collections.abc import Iterator

from faults.choices import OPEN_STATUSES
from faults.csv_cells import CsvLines, safe_cell
from faults.reports.dashboard import Dashboard, DashboardRow
from faults.reports.trends import week_commencing


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


OWN_HEADER = [
    "supplier",
    "priority",
    *(f"open_{status}" for status in OPEN_STATUSES),
    "open_total",
    "at_risk",
    "breached",
    "resolved_in_period",
    "repair_mean_seconds",
    "repair_median_seconds",
    "repair_p90_seconds",
    "repair_with_hold_mean_seconds",
    "repair_with_hold_median_seconds",
    "repair_with_hold_p90_seconds",
    "on_hold_share_percent",
    "rejected_raises",
]
# The columns keep their places (a spreadsheet or script reading this export counts on them):
# the contributed counts (e.g. missed appointments by side) come before the rejected raises,
# as in the page's table. New ones go at the end: "week" as the page names it, with the year
# (a CSV is read away from the period it came from).
TREND_HEADER = ["iso_week", "week_start", "raised", "resolved", "breached", "week"]


def header(dashboard: Dashboard) -> list[str]:
    contributed = [
        f"{group.csv_prefix}{column}" for group in dashboard.counted for column, _ in group.columns
    ]
    return [*OWN_HEADER[:-1], *contributed, OWN_HEADER[-1]]


def _row(row: DashboardRow) -> list[str | int]:
    return [
        safe_cell(row.supplier_name),
        "all" if row.priority is None else row.priority,
        *row.open_counts,
        row.open_total,
        row.at_risk,
        row.breached,
        row.resolved,
        _number(row.repair.mean),
        _number(row.repair.median),
        _number(row.repair.p90),
        _number(row.repair_with_hold.mean),
        _number(row.repair_with_hold.median),
        _number(row.repair_with_hold.p90),
        _percent(row.on_hold_percent),
        *row.counted_columns,
        row.rejected,
    ]


def dashboard_csv_lines(dashboard: Dashboard) -> Iterator[str]:
    """The per supplier/priority table with a total row, then a blank line and the weekly
    trends. Times are whole seconds (as on the page, before formatting)."""
    writer = CsvLines()
    filters = dashboard.filters
    supplier = safe_cell(filters.supplier.name) if filters.supplier else "all"
    priority = filters.priority or "all"
    period = ["from", filters.date_from.isoformat(), "to", filters.date_to.isoformat()]
    yield writer.line([*period, "supplier", supplier, "priority", priority])
    yield writer.line(header(dashboard))
    for row in dashboard.rows:
        yield writer.line(_row(row))
    yield writer.line(_row(dashboard.total))
    yield writer.line([])
    yield writer.line(TREND_HEADER)
    for week in dashboard.trends:
        yield writer.line(
            [
                week.iso_week,
                week.week_start.isoformat(),
                week.raised,
                week.resolved,
                week.breached,
                week_commencing(week.week_start, with_year=True),
            ]
        )
