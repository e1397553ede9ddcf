"""The SLA dashboard's figures per supplier and priority (design §1: the NOC manager's view).

Each figure is one grouped query (`values().annotate()`) over an indexed column: the "open
now" figures over the partial index of non-terminal faults, the period figures over the
milestone times (resolved_at, rejected_at, submitted_at, sla_due_at) and the appointments'
(missed, side, date) index. The number of queries is fixed; it never depends on how many
faults there are.

Time to repair is over the faults resolved in the period (status resolved or closed, by
resolved time), in wall-clock time from raised to resolved (`faults.reports.durations`):
"with on-hold" is all of it, "without on-hold" leaves out the time on hold (the SLA pauses).
Whether the SLA was kept is the SLA state's to say, in the policy's calendar.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum

from appointments.choices import MissedSide
from appointments.models import Appointment
from faults.choices import OPEN_STATUSES, FaultStatus, SlaState
from faults.models import Fault
from faults.reports.aggregates import GroupKey, group_percentiles
from faults.reports.durations import hold_seconds, repair_seconds, repair_without_hold_seconds
from faults.reports.filters import DashboardFilters
from faults.reports.trends import WeekTrend, weekly_trends
from integrations.models import Partner

# Faults with the supplier and not finished (a draft has not been raised yet).
RESOLVED_STATUSES = (FaultStatus.RESOLVED, FaultStatus.CLOSED)
MEDIAN, P90 = 0.5, 0.9
GROUP = ("supplier_id", "priority")
MISSED_SIDES = ("seller", "end-user", "other")
_SIDE_OF = {MissedSide.SELLER: "seller", MissedSide.END_USER: "end-user"}


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
    missed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MISSED_SIDES, 0))
    rejected: int = 0

    @property
    def open_total(self) -> int:
        return sum(self.open_by_status.values())

    @property
    def open_counts(self) -> list[int]:
        """Open faults in OPEN_STATUSES order (for the table and the CSV)."""
        return [self.open_by_status.get(s, 0) for s in OPEN_STATUSES]

    @property
    def missed_counts(self) -> list[int]:
        return [self.missed[s] for s in MISSED_SIDES]

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
    open_statuses: tuple[str, ...] = OPEN_STATUSES


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


def _missed(filters: DashboardFilters) -> Iterable[dict]:
    """Missed appointments of the period (by appointment day) per supplier, priority and side.
    Only appointments attached to a fault carry a priority; others are not counted here."""
    rows = Appointment.objects.filter(
        missed=True,
        # Every side, spelled out, so the (missed, missed_side, date) index is read by date
        # range for each side instead of across all missed appointments ever.
        missed_side__in=MissedSide.values,
        fault__isnull=False,
        appointment_date__gte=filters.date_from,
        appointment_date__lte=filters.date_to,
    )
    if filters.supplier is not None:
        rows = rows.filter(partner=filters.supplier)
    if filters.priority is not None:
        rows = rows.filter(fault__priority=filters.priority)
    return (
        rows.order_by()
        .values("partner_id", "fault__priority", "missed_side")
        .annotate(n=Count("id"))
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


def _add_repair(rows: _Rows, total: DashboardRow, resolved: QuerySet[Fault]) -> None:
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
    for row in [*rows.values(), total]:
        if row.resolved:
            row.repair.mean = (row.repair_seconds - row.hold_seconds) / row.resolved
            row.repair_with_hold.mean = row.repair_seconds / row.resolved


def _add_rejected(rows: _Rows, faults: QuerySet[Fault], filters: DashboardFilters) -> None:
    grouped = (
        faults.filter(rejected_at__gte=filters.start, rejected_at__lt=filters.end)
        .values(*GROUP)
        .annotate(n=Count("id"))
    )
    for g in grouped:
        rows.at(g["supplier_id"], g["priority"]).rejected = g["n"]


def _add_missed(rows: _Rows, filters: DashboardFilters) -> None:
    for g in _missed(filters):
        side = _SIDE_OF.get(g["missed_side"], "other")
        rows.at(g["partner_id"], g["fault__priority"]).missed[side] += g["n"]


def _sum_counts(total: DashboardRow, rows: Iterable[DashboardRow]) -> None:
    for row in rows:
        for status, n in row.open_by_status.items():
            total.open_by_status[status] = total.open_by_status.get(status, 0) + n
        total.at_risk += row.at_risk
        total.breached += row.breached
        total.rejected += row.rejected
        for side, n in row.missed.items():
            total.missed[side] += n


def sla_dashboard(filters: DashboardFilters) -> Dashboard:
    """Every figure of the dashboard for the filters, in a fixed number of queries."""
    faults = _faults(filters)
    resolved = resolved_in_period(filters)
    rows = _Rows()
    total = DashboardRow(supplier_id=None, priority=None, supplier_name="All")
    _add_open(rows, faults)
    _add_repair(rows, total, resolved)
    _add_rejected(rows, faults, filters)
    _add_missed(rows, filters)
    _sum_counts(total, rows.values())
    names = dict(Partner.objects.filter(pk__in={k[0] for k in rows}).values_list("id", "name"))
    for (supplier_id, _), row in rows.items():
        row.supplier_name = names.get(supplier_id, str(supplier_id))
    ordered = sorted(rows.values(), key=lambda r: (r.supplier_name.lower(), r.priority or 0))
    trends = weekly_trends(faults, filters, resolved=resolved)
    return Dashboard(filters=filters, rows=ordered, total=total, trends=trends)
