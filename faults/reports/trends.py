"""Weekly trends for the dashboard: faults raised, resolved and breached per ISO week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncWeek

from faults.choices import SlaState
from faults.reports.filters import DashboardFilters

BREACH_STATES = (SlaState.BREACHED, SlaState.MISSED)


@dataclass(frozen=True)
class WeekTrend:
    week_start: date
    raised: int = 0
    resolved: int = 0
    breached: int = 0

    @property
    def label(self) -> str:
        """The ISO week, e.g. 2026-W07."""
        year, week, _ = self.week_start.isocalendar()
        return f"{year}-W{week:02d}"


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _per_week(faults: QuerySet, field: str, filters: DashboardFilters) -> dict[date, int]:
    rows = (
        faults.filter(**{f"{field}__gte": filters.start, f"{field}__lt": filters.end})
        .annotate(week=TruncWeek(field))
        .values("week")
        .annotate(n=Count("id"))
    )
    return {row["week"].date(): row["n"] for row in rows}


def weekly_trends(
    faults: QuerySet, filters: DashboardFilters, *, resolved: QuerySet
) -> list[WeekTrend]:
    """Every ISO week the period touches, oldest first, with zero for quiet weeks.

    raised: submitted to the supplier in the week; resolved: `resolved` (the dashboard's
    resolved-in-period faults) by resolved time; breached: the instant the SLA target was passed
    (`sla_due_at` of a breached or missed fault) fell in the week. Weeks at the edges count only
    the days inside the period.
    """
    raised = _per_week(faults, "submitted_at", filters)
    resolved_by_week = _per_week(resolved, "resolved_at", filters)
    breached = _per_week(faults.filter(sla_state__in=BREACH_STATES), "sla_due_at", filters)
    weeks = []
    week = _monday(filters.date_from)
    while week <= filters.date_to:
        weeks.append(
            WeekTrend(
                week_start=week,
                raised=raised.get(week, 0),
                resolved=resolved_by_week.get(week, 0),
                breached=breached.get(week, 0),
            )
        )
        week += timedelta(days=7)
    return weeks


def trend_series(trends: list[WeekTrend]) -> dict[str, list]:
    """The trends as the chart script reads them (labels and one list per series)."""
    return {
        "labels": [w.label for w in trends],
        "raised": [w.raised for w in trends],
        "resolved": [w.resolved for w in trends],
        "breached": [w.breached for w in trends],
    }
