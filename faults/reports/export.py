"""The dashboard's figures as CSV: the same numbers as the page, in seconds and counts."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from faults.choices import OPEN_STATUSES
from faults.reports.dashboard import MISSED_SIDES, Dashboard, DashboardRow


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _text(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


HEADER = [
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
    *(f"missed_appointments_{side}" for side in MISSED_SIDES),
    "rejected_raises",
]
TREND_HEADER = ["iso_week", "week_start", "raised", "resolved", "breached"]


def _row(row: DashboardRow) -> list[str | int]:
    return [
        _text(row.supplier_name),
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
        *row.missed_counts,
        row.rejected,
    ]


def dashboard_csv_lines(dashboard: Dashboard) -> Iterator[str]:
    """The per supplier/priority table with a total row, then a blank line and the weekly
    trends. Times are whole seconds (as on the page, before formatting)."""
    writer = csv.writer(_Echo())
    filters = dashboard.filters
    supplier = _text(filters.supplier.name) if filters.supplier else "all"
    priority = filters.priority or "all"
    period = ["from", filters.date_from.isoformat(), "to", filters.date_to.isoformat()]
    yield writer.writerow([*period, "supplier", supplier, "priority", priority])
    yield writer.writerow(HEADER)
    for row in dashboard.rows:
        yield writer.writerow(_row(row))
    yield writer.writerow(_row(dashboard.total))
    yield writer.writerow([])
    yield writer.writerow(TREND_HEADER)
    for week in dashboard.trends:
        yield writer.writerow(
            [week.label, week.week_start.isoformat(), week.raised, week.resolved, week.breached]
        )
