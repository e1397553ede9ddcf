"""Weekly trends for the dashboard: faults raised, resolved and breached per week (ISO weeks,
Monday to Sunday), each named as a manager reads it: "w/c 26 Oct", the week commencing Monday
26 October. The ISO name ("2026-W44") is kept for machines (the CSV, a <time> element)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncWeek
from django.utils.dateformat import format as format_date

from faults.choices import SlaState
from faults.reports.filters import DashboardFilters

BREACH_STATES = (SlaState.BREACHED, SlaState.MISSED)


@dataclass(frozen=True)
class WeekTrend:
    week_start: date
    raised: int = 0
    resolved: int = 0
    breached: int = 0
    with_year: bool = False  # the period spans two years: "w/c 29 Dec 2025", "w/c 5 Jan 2026"
    # Each figure's faults on the fault list (faults.reports.dashboard adds them).
    links: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def label(self) -> str:
        """The week in words: "w/c 26 Oct" (week commencing Monday 26 October)."""
        return week_commencing(self.week_start, with_year=self.with_year)

    @property
    def iso_week(self) -> str:
        """The ISO week, e.g. 2026-W07: for machines."""
        year, week, _ = self.week_start.isocalendar()
        return f"{year}-W{week:02d}"


def week_commencing(monday: date, *, with_year: bool = False) -> str:
    """ "w/c 26 Oct", or "w/c 26 Oct 2026" with the year."""
    return "w/c " + format_date(monday, "j M Y" if with_year else "j M")


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
    faults: QuerySet,
    filters: DashboardFilters,
    *,
    resolved: QuerySet,
    counts: dict[str, dict[date, int]] | None = None,
) -> list[WeekTrend]:
    """Every week (ISO, Monday to Sunday) the period touches, oldest first, with zero for quiet
    weeks.

    raised: submitted to the supplier in the week; resolved: `resolved` (the dashboard's
    resolved-in-period faults) by resolved time; breached: the instant the SLA target was passed
    (`sla_due_at` of a breached or missed fault) fell in the week. Weeks at the edges count only
    the days inside the period.

    `counts`, when given, are the same per week from the per-day counts
    (faults.reports.daily.weekly_counts: "raised", "resolved", "breached"), and no fault is read.
    """
    if counts is not None:
        raised, resolved_by_week, breached = (
            counts["raised"],
            counts["resolved"],
            counts["breached"],
        )
    else:
        raised = _per_week(faults, "submitted_at", filters)
        resolved_by_week = _per_week(resolved, "resolved_at", filters)
        breached = _per_week(faults.filter(sla_state__in=BREACH_STATES), "sla_due_at", filters)
    weeks = []
    week = _monday(filters.date_from)
    with_year = week.year != filters.date_to.year
    while week <= filters.date_to:
        weeks.append(
            WeekTrend(
                week_start=week,
                raised=raised.get(week, 0),
                resolved=resolved_by_week.get(week, 0),
                breached=breached.get(week, 0),
                with_year=with_year,
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
