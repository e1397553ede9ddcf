"""The evidence for a service-credit claim, per supplier and month: each late fault with our
figures beside the supplier's, its missed appointments by side and its timeline.

Which faults: the supplier's faults whose repair ended in the month (Europe/London), resolved
(or closed, by when they were resolved), cancelled or rejected, and that were late by our count
(the repair ended after the SLA target) or that the supplier sent late repair figures for. A
fault still being worked is in no month's claim yet: its delay is still growing.

Reads the faults, their pauses and appointments (for the count), their audit rows and their
appointment history: five queries whatever the number of faults."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Case, DateTimeField, F, Q, When
from django.db.models.functions import Coalesce

from appointments.models import AppointmentEvent
from appointments.service_credits.count import DelayCount
from appointments.service_credits.history import (
    EXCUSED_SIDES,
    LateRepairFacts,
    MissedAppointment,
    late_repair_facts,
)
from appointments.service_credits.reconcile import (
    Reconciliation,
    notified,
    our_figures,
    supplier_figures,
)
from faults.choices import EventKind, FaultStatus
from faults.models import Fault, FaultEvent
from faults.timeline import TimelineActors

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class TimelineLine:
    at: datetime
    what: str
    who: str
    text: str


@dataclass(frozen=True)
class EvidenceRow:
    """One late fault of the claim."""

    fault: Fault
    ended_at: datetime
    facts: LateRepairFacts
    reconciliation: Reconciliation
    timeline: list[TimelineLine] = field(default_factory=list)

    @property
    def count(self) -> DelayCount | None:
        return self.facts.count

    @property
    def supplier_exclusions(self) -> list[dict[str, Any]]:
        """The supplier's exclusions as stored, their start and end as datetimes where they
        read as ISO 8601 (else as sent)."""
        return [
            {**e, "start": _instant(e.get("start")), "end": _instant(e.get("end"))}
            for e in self.fault.late_repair_exclusions or []
            if isinstance(e, dict)
        ]

    @property
    def seller_missed(self) -> list[MissedAppointment]:
        return self.facts.missed_by("seller")

    @property
    def end_user_missed(self) -> list[MissedAppointment]:
        return self.facts.missed_by(*EXCUSED_SIDES)

    @property
    def other_missed(self) -> list[MissedAppointment]:
        return [m for m in self.facts.missed if m not in self.seller_missed + self.end_user_missed]

    @property
    def figures(self) -> list[tuple[str, int | None, int | None, int | None]]:
        """(label, theirs, ours, ours minus theirs) for total, seller, non-seller days."""
        labels = {
            "total": "Days late",
            "seller": "Seller-caused days",
            "non_seller": "Not seller-caused days",
        }
        theirs, ours = self.reconciliation.theirs, self.reconciliation.ours
        return [
            (
                labels[name],
                getattr(theirs, name) if theirs else None,
                getattr(ours, name) if ours else None,
                self.reconciliation.difference(name),
            )
            for name in ("total", "seller", "non_seller")
        ]


@dataclass(frozen=True)
class Evidence:
    supplier: Any  # faults.suppliers.Supplier
    month: date  # its first day
    rows: list[EvidenceRow]

    @property
    def disputed(self) -> int:
        return sum(1 for row in self.rows if row.reconciliation.agree is False)


def _instant(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return value


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, Europe/London."""
    start = datetime(month.year, month.month, 1, tzinfo=LONDON)
    following = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=LONDON)
    return start, following


def _ended() -> Case:
    return Case(
        When(
            status__in=(FaultStatus.RESOLVED, FaultStatus.CLOSED),
            then=Coalesce("resolved_at", "closed_at"),
        ),
        When(status=FaultStatus.CANCELLED, then=F("cancelled_at")),
        When(status=FaultStatus.REJECTED, then=F("rejected_at")),
        default=None,
        output_field=DateTimeField(),
    )


def service_credit_evidence(*, supplier: Any, month: date, now: datetime) -> Evidence:
    """The late faults of `supplier` whose repair ended in `month`, oldest end first."""
    start, end = month_bounds(month)
    faults = list(
        Fault.objects.filter(supplier=supplier)
        .annotate(ended=_ended())
        .filter(ended__gte=start, ended__lt=end)
        .filter(Q(sla_due_at__lt=F("ended")) | notified())
        .order_by("ended", "id")
    )
    facts = late_repair_facts(faults, now=now)
    timelines = _timelines(faults, str(supplier))
    rows = [
        EvidenceRow(
            fault=fault,
            ended_at=fault.ended,
            facts=facts[fault.pk],
            reconciliation=Reconciliation(
                supplier_figures(fault), our_figures(facts[fault.pk].count)
            ),
            timeline=timelines.get(fault.pk, []),
        )
        for fault in faults
    ]
    return Evidence(supplier=supplier, month=date(month.year, month.month, 1), rows=rows)


def _timelines(faults: list[Fault], supplier: str) -> dict[int, list[TimelineLine]]:
    """Each fault's audit rows and appointment history, oldest first (two queries)."""
    actors = TimelineActors(supplier=supplier, our_messages={})
    lines: dict[int, list[tuple[datetime, int, TimelineLine]]] = defaultdict(list)
    ids = [fault.pk for fault in faults]
    events = FaultEvent.objects.filter(fault_id__in=ids).select_related("actor_user")
    for event in events.order_by("at", "id"):
        username = event.actor_user.get_username() if event.actor_user_id else ""
        who, _ = actors.name(event.actor_kind, event.actor_ref, username)
        lines[event.fault_id].append(
            (event.at, 0, TimelineLine(event.at, event.get_kind_display(), who, _event_text(event)))
        )
    history = AppointmentEvent.objects.filter(appointment__fault_id__in=ids).select_related(
        "appointment"
    )
    for event in history.order_by("at", "id"):
        who, _ = actors.name(event.actor_kind, event.actor_ref)
        appointment = event.appointment
        text = " ".join(filter(None, (appointment.slot_display, event.message)))
        lines[appointment.fault_id].append(
            (
                event.at,
                1,
                TimelineLine(
                    event.at, f"Appointment {event.get_kind_display().lower()}", who, text
                ),
            )
        )
    return {
        fault_id: [line for *_, line in sorted(found, key=lambda item: (item[0], item[1]))]
        for fault_id, found in lines.items()
    }


def _event_text(event: FaultEvent) -> str:
    if event.kind != EventKind.STATUS:
        return event.message
    moved = " → ".join(
        FaultStatus(s).label if s in FaultStatus.values else s
        for s in (event.from_status, event.to_status)
        if s
    )
    return f"{moved}: {event.message}" if event.message else moved
