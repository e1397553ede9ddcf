"""Six weeks of finished and running faults for the demo, so that the SLA dashboard, the fault
list and the wallboard of `make run` show figures worth reading: repair times with and without
on-hold, breaches, rejected raises and weekly trends.

Each fault is made through the services with back-dated times (our own actions' `at`), and the
supplier's part arrives as its notifications do, received by our endpoint and applied by the
inbox at their `sentAt` (devtools.demo_supplier); so its timeline, SLA pauses and SLA figures
are the real ones, and integration health counts its messages. The choices come from a seeded
random generator: every load makes the same history. Nothing is sent: the outbound messages are
recorded as delivered at the time of the change, like the rest of the demo's past.

The supplier works to the fault's SLA calendar: how long it takes to start and to repair is
drawn as working time of the policy's calendar (business hours for the demo's Impaired Service
and Performance Issue policies), as a supplier's field force works, while faults are raised, and
customers keep a fault on hold, around the clock. Drawn as wall-clock time instead, a third of
the history lived its whole life at night or over a weekend and read "Elapsed 0 m" on its SLA
clock, which counts only working time.

What the services stamp with the clock (the row's created and updated times, and the "created"
line of the audit trail, since nobody drafts a fault in the past) is then set to when it
happened, so the fault list's date filter, the wallboard's "raised today" and the timeline agree
with the dashboard.
"""

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.contrib.auth.models import AbstractUser
from django.db.models import F
from django.utils import timezone

from faults.choices import EventKind, FaultStatus, FaultType
from faults.events import events_recording_history
from faults.models import Fault, FaultEvent
from faults.services import Actor, fault_accept_resolution, fault_create_draft, fault_submit
from faults.sla import AlwaysCalendar, Calendar, calendar_for, sla_policy_for
from integrations.inbox import inbox_recording_history
from integrations.models import InboundMessage, Partner
from integrations.outbox import outbox_recording_history

HISTORY_DAYS = 42
HISTORY_FAULTS = 60
STILL_OPEN = 6
REFERENCE_PREFIX = "DEMO-H"
SEED = 20261123
S = FaultStatus


@contextmanager
def recording_history() -> Iterator[None]:
    """Faults are being given a past: what they send is recorded as delivered, and what the
    supplier sends them as received and applied, each at the time of the change."""
    with outbox_recording_history(), inbox_recording_history(), events_recording_history():
        yield


class HistorySupplier(Protocol):
    """A demo supplier that tells us of its changes to a fault the way its protocol does
    (`devtools.demo_supplier.DemoSupplier`, `devtools.demo_tmf_supplier.DemoTmfSupplier`)."""

    partner: Partner

    def notify(
        self,
        fault: Fault,
        *,
        status: str,
        at: datetime,
        reason: str = "",
        maintainer_fault_reference: str = "",
    ) -> InboundMessage: ...


@dataclass(frozen=True)
class HistoryShape:
    """How much history a demo supplier gets: `faults` over HISTORY_DAYS, the youngest
    `still_open` still being worked, references `<prefix>NNN`, service IDs `<service_prefix>NNN`,
    drawn from `seed` (the same every load)."""

    prefix: str = REFERENCE_PREFIX
    faults: int = HISTORY_FAULTS
    still_open: int = STILL_OPEN
    seed: int = SEED
    service_prefix: str = "CFH-2"


CITYFIBRE_HISTORY = HistoryShape()


@dataclass(frozen=True)
class _Plan:
    """When each step of one fault's life happens (None: it does not happen)."""

    reference: str
    fault_type: str
    priority: int
    submitted: datetime
    rejected: datetime | None
    accepted: datetime | None
    started: datetime | None
    hold: tuple[datetime, datetime | None] | None
    resolved: datetime | None
    answered: datetime | None


# The calendar the supplier works to for a fault type and priority.
CalendarOf = Callable[[str, int], Calendar]


def _after(calendar: Calendar, start: datetime, work: timedelta) -> datetime:
    """When `work` of the calendar's working time is done, starting at `start`."""
    return calendar.add_working_seconds(start, int(work.total_seconds()))


def _plans(now: datetime, calendar_of: CalendarOf, shape: HistoryShape) -> list[_Plan]:
    rng = random.Random(shape.seed)
    plans = []
    for n in range(1, shape.faults + 1):
        submitted = now - timedelta(days=HISTORY_DAYS * (1 - n / (shape.faults + 1)))
        submitted -= timedelta(minutes=rng.randint(0, 600))
        if n > shape.faults - shape.still_open:  # raised in the last day: still being worked
            submitted = now - timedelta(hours=4 * (shape.faults - n) + 1)
        # No Service Outage: raising one needs a reserved engineer appointment, which is the
        # simulator's to give, live (DEMO-0001 shows that path).
        fault_type = rng.choices(
            [FaultType.IMPAIRED_SERVICE, FaultType.PERFORMANCE_ISSUE], weights=[3, 1]
        )[0]
        priority = rng.choices([1, 2, 3, 4], weights=[1, 3, 4, 2])[0]
        reference = f"{shape.prefix}{n:03d}"
        if rng.random() < 0.06:
            plans.append(
                _Plan(reference, fault_type, priority, submitted, submitted + timedelta(minutes=3),
                      None, None, None, None, None)
            )  # fmt: skip
            continue
        working = calendar_of(fault_type, priority)
        # The supplier's desk takes faults on around the clock; its engineers start and repair
        # in working time.
        accepted = submitted + timedelta(minutes=rng.randint(5, 60))
        started = _after(working, accepted, timedelta(minutes=rng.randint(20, 180)))
        hold = None
        repair = timedelta(hours=rng.lognormvariate(1.6, 0.7))
        if rng.random() < 0.2:  # a hard one: days, not hours, and often past its SLA target
            repair += timedelta(hours=rng.uniform(24, 80))
        resolved: datetime | None = _after(working, started, repair)
        if rng.random() < 0.3:  # half-way through, the end user keeps it waiting for hours
            hold_start = _after(working, started, repair / 2)
            hold = (hold_start, hold_start + timedelta(hours=rng.uniform(2, 30)))
            resolved = _after(working, hold[1], repair / 2)
        answered: datetime | None = resolved + timedelta(hours=rng.uniform(0.5, 6))
        # The youngest faults are still being worked, or wait for our answer; nothing of
        # theirs happens after now (a supplier's message from the future is an anomaly).
        if accepted > now:
            accepted = None
        if accepted is None or started > now:
            started = None
        if started is None:
            hold = None
            resolved = answered = None
        elif resolved > now:
            resolved = answered = None
            if hold and hold[0] < now < hold[1]:
                hold = (hold[0], None)
            elif hold and hold[0] >= now:
                hold = None
        elif answered > now:
            answered = None
        plans.append(
            _Plan(reference, fault_type, priority, submitted, None, accepted, started, hold,
                  resolved, answered)
        )  # fmt: skip
    return plans


def _details(plan: _Plan, shape: HistoryShape) -> dict[str, object]:
    return {
        "service_id": f"{shape.service_prefix}{plan.reference[-3:]}",
        "fault_type": plan.fault_type,
        "priority": plan.priority,
        "description": "Historic demo fault: the end user reported a loss or degradation.",
        "fault_start_time": plan.submitted - timedelta(minutes=30),
        "fault_location": "Street cabinet, Demo Road, Leeds",
        "site_access_details": "Cabinet on the street; no access arrangements needed.",
        "site_access_contact_phone": "0113 496 0001",
        "triage_complete": True,
        "triage_findings": "Remote tests point at the supplier's network.",
    }


def _calendars(partner: Partner) -> CalendarOf:
    """The calendar of the demo partner's SLA policy for a fault type and priority."""

    def calendar_of(fault_type: str, priority: int) -> Calendar:
        policy = sla_policy_for(partner_id=partner.pk, fault_type=fault_type, priority=priority)
        return calendar_for(policy) if policy is not None else AlwaysCalendar()

    return calendar_of


DRAFTED_BEFORE_SUBMIT = timedelta(minutes=4)


def _last_change(plan: _Plan) -> datetime:
    hold = plan.hold or (None, None)
    moments = (plan.submitted, plan.rejected, plan.accepted, plan.started, *hold, plan.resolved,
               plan.answered)  # fmt: skip
    return max(moment for moment in moments if moment is not None)


def demo_backdate(fault: Fault, *, submitted: datetime, last_change: datetime) -> None:
    """Give the clock-stamped times of a fault made with a past their place in it: drafted a
    few minutes before it was submitted, last updated by its last change."""
    created = submitted - DRAFTED_BEFORE_SUBMIT
    Fault.objects.filter(pk=fault.pk).update(created_at=created, updated_at=last_change)
    FaultEvent.objects.filter(fault=fault, kind=EventKind.CREATED).update(at=created)
    FaultEvent.objects.filter(fault=fault).update(recorded_at=F("at"))


def _live(plan: _Plan, supplier: HistorySupplier, agent: AbstractUser, shape: HistoryShape) -> None:
    by_agent = Actor.for_user(agent)
    fault = fault_create_draft(
        actor=by_agent,
        supplier=supplier.partner,
        buyer_fault_reference=plan.reference,
        **_details(plan, shape),
    )
    fault = fault_submit(fault_id=fault.pk, actor=by_agent, at=plan.submitted)
    if plan.rejected:
        reason = "Service ID not found on our network."
        supplier.notify(fault, status=S.REJECTED, at=plan.rejected, reason=reason)
    else:
        if plan.accepted:
            reference = f"CF-{plan.reference}"
            supplier.notify(
                fault, status=S.ACCEPTED, at=plan.accepted, maintainer_fault_reference=reference
            )
        if plan.started:
            supplier.notify(fault, status=S.IN_PROGRESS, at=plan.started)
        if plan.hold:
            reason = "Waiting for access to the site."
            supplier.notify(fault, status=S.ON_HOLD, at=plan.hold[0], reason=reason)
            if plan.hold[1]:
                supplier.notify(fault, status=S.IN_PROGRESS, at=plan.hold[1])
        if plan.resolved:
            reason = "Fibre spliced; service restored."
            supplier.notify(fault, status=S.RESOLVED, at=plan.resolved, reason=reason)
        if plan.answered:
            fault_accept_resolution(fault_id=fault.pk, actor=by_agent, at=plan.answered)
    demo_backdate(fault, submitted=plan.submitted, last_change=_last_change(plan))


def demo_history_load(
    *, supplier: HistorySupplier, agent: AbstractUser, shape: HistoryShape = CITYFIBRE_HISTORY
) -> int:
    """Create the history faults of `supplier` that do not exist yet; returns how many were
    created. Call it while `recording_history`."""
    plans = _plans(timezone.now(), _calendars(supplier.partner), shape)
    existing = set(
        Fault.objects.filter(buyer_fault_reference__startswith=shape.prefix).values_list(
            "buyer_fault_reference", flat=True
        )
    )
    created = 0
    for plan in plans:
        if plan.reference not in existing:
            _live(plan, supplier, agent, shape)
            created += 1
    return created
