"""What our count of a late repair is made of, read for a batch of faults at once: the SLA target,
when the supplier's work ended, the SLA pauses and the appointments. Three queries whatever the
number of faults (the faults, their pauses, their appointments), then `late_repair_count` per
fault in Python."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

from appointments.choices import AppointmentState, MissedSide
from appointments.models import Appointment
from appointments.service_credits.count import DelayCount, Period, late_repair_count
from faults.choices import FaultStatus
from faults.models import SlaPause

LONDON = ZoneInfo("Europe/London")
# The fields of a fault the count reads, in FaultClock's order.
CLOCK_FIELDS = (
    "id",
    "status",
    "sla_due_at",
    "resolved_at",
    "closed_at",
    "cancelled_at",
    "rejected_at",
)


class Clocked(Protocol):
    """What the count reads of a fault: a Fault, or a FaultClock read with `values_list`."""

    pk: int
    status: str
    sla_due_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    rejected_at: datetime | None


@dataclass(frozen=True)
class FaultClock:
    """A fault's CLOCK_FIELDS without a model instance (a sweep reads thousands)."""

    pk: int
    status: str
    sla_due_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    rejected_at: datetime | None


# Appointments that were (or still are) a visit: a later one ends the wait after a missed one.
# Not a visit: one cancelled, one whose confirmation failed, one superseded before its day.
_VISIT_STATES = frozenset(
    {
        AppointmentState.RESERVED,
        AppointmentState.ATTACHED,
        AppointmentState.CONFIRMED,
        AppointmentState.COMPLETED,
        AppointmentState.MISSED,
    }
)
# The sides whose missed appointment excuses the wait after it (not the supplier's doing).
EXCUSED_SIDES = frozenset({MissedSide.END_USER, MissedSide.MBORC})
WHO_MISSED = {
    MissedSide.SELLER: "by the supplier",
    MissedSide.END_USER: "by the end user",
    MissedSide.MBORC: "for a matter beyond reasonable control",
}


@dataclass(frozen=True)
class MissedAppointment:
    """A missed appointment of a fault, as the evidence lists it."""

    reservation_key: str
    slot: str  # "2026-03-04 08:00-13:00"
    side: str  # a MissedSide value
    starts_at: datetime | None

    @property
    def side_label(self) -> str:
        return MissedSide(self.side).label if self.side in MissedSide.values else self.side


@dataclass(frozen=True)
class LateRepairFacts:
    """Our count for one fault (None without an SLA target to count from) and its missed
    appointments, in slot order."""

    fault_id: int
    count: DelayCount | None
    missed: tuple[MissedAppointment, ...] = ()

    def missed_by(self, *sides: str) -> list[MissedAppointment]:
        return [m for m in self.missed if m.side in sides]


def repair_ended_at(fault: Clocked, *, now: datetime) -> datetime:
    """When the supplier's work on the fault ended: resolved (a closed fault, when it was
    resolved), cancelled or rejected; `now` while it is still being worked (also re-opened)."""
    if fault.status in (FaultStatus.RESOLVED, FaultStatus.CLOSED):
        return fault.resolved_at or fault.closed_at or now
    if fault.status == FaultStatus.CANCELLED:
        return fault.cancelled_at or now
    if fault.status == FaultStatus.REJECTED:
        return fault.rejected_at or now
    return now


def slot_starts_at(appointment: Appointment) -> datetime | None:
    """The slot's start (its day's start when it has no time), Europe/London; None without a
    day."""
    if appointment.appointment_date is None:
        return None
    start = time.fromisoformat(appointment.start_time) if appointment.start_time else time.min
    return datetime.combine(appointment.appointment_date, start, tzinfo=LONDON)


def late_repair_facts(faults: Sequence[Clocked], *, now: datetime) -> dict[int, LateRepairFacts]:
    """Our count for each fault, by fault id."""
    ids = [fault.pk for fault in faults]
    holds: dict[int, list[SlaPause]] = defaultdict(list)
    for pause in SlaPause.objects.filter(fault_id__in=ids).order_by("started_at", "id"):
        holds[pause.fault_id].append(pause)
    appointments: dict[int, list[Appointment]] = defaultdict(list)
    rows = Appointment.objects.filter(fault_id__in=ids).only(
        "fault_id",
        "reservation_key",
        "appointment_date",
        "start_time",
        "end_time",
        "state",
        "missed",
        "missed_side",
        "completed_at",
    )
    for appointment in rows:
        appointments[appointment.fault_id].append(appointment)
    return {
        fault.pk: _facts(fault, holds[fault.pk], appointments[fault.pk], now=now)
        for fault in faults
    }


def _facts(
    fault: Clocked, pauses: list[SlaPause], appointments: list[Appointment], *, now: datetime
) -> LateRepairFacts:
    ended = repair_ended_at(fault, now=now)
    slotted = sorted(
        ((slot_starts_at(a), a) for a in appointments),
        key=lambda pair: (pair[0] is None, pair[0] or now, pair[1].pk),
    )
    missed = tuple(
        MissedAppointment(a.reservation_key, a.slot_display, a.missed_side, starts)
        for starts, a in slotted
        if a.missed
    )
    if fault.sla_due_at is None:
        return LateRepairFacts(fault.pk, None, missed)
    visits = [starts for starts, a in slotted if starts and _was_a_visit(a)]
    seller_waits, excused_waits = [], []
    for starts, a in slotted:
        if not a.missed or starts is None:
            continue
        until = min((s for s in visits if s > starts), default=ended)
        who = WHO_MISSED.get(a.missed_side)
        wait = Period(starts, until, f"wait after the visit of {starts:%a %d %b} missed {who}")
        if a.missed_side == MissedSide.SELLER:
            seller_waits.append(wait)
        elif a.missed_side in EXCUSED_SIDES:
            excused_waits.append(wait)
    count = late_repair_count(
        due_at=fault.sla_due_at,
        ended_at=ended,
        holds=_holds(pauses, ended),
        end_user_waits=excused_waits,
        seller_waits=seller_waits,
    )
    return LateRepairFacts(fault.pk, count, missed)


def _was_a_visit(appointment: Appointment) -> bool:
    return (
        appointment.missed
        or appointment.completed_at is not None
        or appointment.state in _VISIT_STATES
    )


def _holds(pauses: Iterable[SlaPause], ended: datetime) -> list[Period]:
    return [
        Period(
            pause.started_at,
            pause.ended_at or ended,
            f"on hold: {pause.reason.strip()[:80]}" if pause.reason.strip() else "on hold",
        )
        for pause in pauses
    ]
