"""Read queries for the wallboard: the NOC's figures for a screen across the room.

Each figure is one query over an index; the list of SLA alerts is bounded (a screen shows a
fixed number of rows) and says how many it leaves out. The apps above add figures of their own
(`faults.contributions.WallboardFigure`, e.g. the undelivered messages to suppliers).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count
from django.utils import timezone

from faults.choices import (
    NON_TERMINAL_STATUSES,
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    FaultStatus,
    SlaState,
)
from faults.contributions import WallboardFigure, contributions, placed
from faults.figure_links import FigureLink, Params, figure_link
from faults.models import Fault
from faults.worklists import SLA_ALERT_STATES, sla_alerts_first, start_of_day


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int

    @property
    def link(self) -> FigureLink:
        return figure_link(
            self.count, f"open faults {self.label.lower()}", [("status", self.status)], scope="now"
        )


@dataclass(frozen=True)
class FigureCard:
    key: str
    label: str
    value: int
    tone: str = ""  # "bad" or "warning": the card stands out when the value is not 0
    after: str = ""  # a contributed card: the key of the card it follows
    link: FigureLink | None = None  # to the fault list of its faults (not for a contributed card)


@dataclass(frozen=True)
class WallboardFigures:
    open_by_status: list[StatusCount]
    at_risk: int
    breached: int
    resolved_awaiting_answer: int
    raised_today: int
    today: date
    alerts: list[Fault]
    contributed: list[FigureCard]  # the apps' own figures, each placed after its `after`

    @property
    def open_total(self) -> int:
        return sum(item.count for item in self.open_by_status)

    @property
    def cards(self) -> list[FigureCard]:
        """The figures across the top of the screen, in their order."""
        own = [
            FigureCard(
                "breached", "SLA breached", self.breached, "bad", link=self._link("breached")
            ),
            FigureCard(
                "at-risk", "SLA at risk", self.at_risk, "warning", link=self._link("at-risk")
            ),
            FigureCard(
                "resolved",
                "Resolved, awaiting our answer",
                self.resolved_awaiting_answer,
                "warning",
                link=self._link("resolved"),
            ),
            FigureCard(
                "raised-today", "Raised today", self.raised_today, link=self._link("raised-today")
            ),
            FigureCard("open", "Open faults", self.open_total, link=self._link("open")),
        ]
        return placed(own, self.contributed, key=lambda card: card.key)

    def _link(self, key: str) -> FigureLink:
        """The card's faults on the fault list: the same conditions as wallboard_figures'
        queries below (tested card by card against the list's count)."""
        what, params, count = {
            "breached": (
                "breached faults",
                [*_statuses(NON_TERMINAL_STATUSES), ("sla_state", SlaState.BREACHED)],
                self.breached,
            ),
            "at-risk": (
                "faults at risk",
                [*_statuses(NON_TERMINAL_STATUSES), ("sla_state", SlaState.AT_RISK)],
                self.at_risk,
            ),
            "resolved": (
                "resolved faults awaiting our answer",
                [("status", FaultStatus.RESOLVED)],
                self.resolved_awaiting_answer,
            ),
            "raised-today": (
                "faults raised today",
                [
                    *_statuses(s for s in FaultStatus.values if s != FaultStatus.DRAFT),
                    ("created_from", self.today.isoformat()),
                ],
                self.raised_today,
            ),
            "open": ("open faults", _statuses(OPEN_STATUSES), self.open_total),
        }[key]
        return figure_link(count, what, params, scope="now")

    @property
    def alerts_not_shown(self) -> int:
        """Unfinished faults at risk or breached beyond those listed in `alerts`."""
        return max(self.at_risk + self.breached - len(self.alerts), 0)


def wallboard_figures(*, now: datetime | None = None, alert_limit: int = 8) -> WallboardFigures:
    """The wallboard's figures in four queries, and one per contributed figure, each over an
    index."""
    now = now or timezone.now()
    by_status = dict(
        Fault.objects.filter(status__in=OPEN_STATUSES)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    open_by_status = [
        StatusCount(status, FaultStatus(status).label, by_status.get(status, 0))
        for status in OPEN_STATUSES
    ]
    by_sla = dict(
        Fault.objects.filter(sla_state__in=SLA_ALERT_STATES)
        .exclude(status__in=TERMINAL_STATUSES)
        .values_list("sla_state")
        .annotate(n=Count("id"))
        .order_by()
    )
    midnight = start_of_day(timezone.localdate(now))
    raised_today = (
        Fault.objects.filter(created_at__gte=midnight).exclude(status=FaultStatus.DRAFT).count()
    )
    return WallboardFigures(
        open_by_status=open_by_status,
        at_risk=by_sla.get(SlaState.AT_RISK, 0),
        breached=by_sla.get(SlaState.BREACHED, 0),
        resolved_awaiting_answer=by_status.get(FaultStatus.RESOLVED, 0),
        raised_today=raised_today,
        today=timezone.localdate(now),
        alerts=sla_alerts_first(alert_limit),
        contributed=[_card(figure) for figure in contributions(WallboardFigure)],
    )


def _statuses(statuses: Iterable[str]) -> Params:
    return [("status", s) for s in statuses]


def _card(figure: WallboardFigure) -> FigureCard:
    return FigureCard(figure.key, figure.label, figure.count(), figure.tone, after=figure.after)
