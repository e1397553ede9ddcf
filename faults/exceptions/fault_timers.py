"""The timers of the fault domain (`faults.exceptions.timers`), and what firing each does:

* AutoClose — a resolved fault we have not answered closes itself as auto-accepted at
  `auto_close_due_at` (the auto-close sweep, every AUTO_CLOSE_SWEEP_SECONDS). Fired: the fault is
  closed now exactly as the sweep closes it (the same transition, actor and auto-accepted row),
  the row saying it came ahead of its deadline.
* SlaAtRisk / SlaBreach — a running SLA clock crosses its policy's at-risk share, then its
  target (`sla_due_at`); the SLA sweep (SLA_SWEEP_SECONDS) marks the fault. A paused clock has
  neither: it waits on the supplier. Fired: the fault's SLA figures are computed as of the due
  instant, as the sweep would compute them then, and the exception sweep runs so that the
  SLA exceptions follow. The figures are the clock's at that instant, not now: the next SLA sweep
  computes them from the real clock again (and the exception sweep after it solves what no
  longer holds). That is what a test of what happens at risk or at breach needs; it is why
  firing exists only outside production.
* ExceptionRecheck — an exception an agent solved by hand while its condition still held is not
  raised again for the snooze (the rule's threshold, 24 hours without one: `services`); its due
  time is the snooze's end, when the sweep raises it again if the condition holds then. One per
  rule (the key is the rule's type). Fired: the rule is evaluated now and, if it still holds on
  the fault, the exception is raised now, as the sweep raises it; otherwise nothing is.
* ExceptionSweep — the periodic exception sweep re-checks every rule (beat's
  "faults-exception-sweep" entry: its last run plus its interval, or now when beat has not run
  it). Listed for a fault a rule may still hold on: one not finished, one rejected (the
  rejection rule), or one with an open exception. Fired: the sweep runs now (over every fault,
  as beat runs it)."""

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import PeriodicTask

from faults.choices import OPEN_STATUSES, EventKind, FaultStatus, SlaState
from faults.exceptions import timers
from faults.exceptions.models import TicketException, TicketExceptionRule
from faults.exceptions.rules import evaluator_for
from faults.exceptions.services import SNOOZE_DEFAULT, SWEEP_ACTOR, exceptions_sweep
from faults.models import Fault
from faults.services.actors import Actor
from faults.services.audit import fault_event_record
from faults.services.resolution import AUTO_CLOSE_TIMER
from faults.services.transitions import fault_lock, fault_transition
from faults.sla import calendar_for, fault_sla_recompute
from faults.sla.services import SLA_FIELDS

AUTO_CLOSE = "AutoClose"
SLA_AT_RISK = "SlaAtRisk"
SLA_BREACH = "SlaBreach"
EXCEPTION_RECHECK = "ExceptionRecheck"
EXCEPTION_SWEEP = "ExceptionSweep"
EXCEPTION_SWEEP_ENTRY = "faults-exception-sweep"  # settings.CELERY_BEAT_SCHEDULE


def auto_close_due(fault: Fault, now: datetime) -> list[timers.Due]:
    if fault.status != FaultStatus.RESOLVED or fault.auto_close_due_at is None:
        return []
    return [timers.Due(fault.auto_close_due_at)]


@transaction.atomic
def auto_close_fire(fault: Fault, key: str, now: datetime) -> str:
    fault = fault_lock(fault_id=fault.pk)
    if fault.status != FaultStatus.RESOLVED or fault.auto_close_due_at is None:
        return "nothing: the resolution was answered meanwhile."
    deadline = fault.auto_close_due_at
    actor = Actor.timer(AUTO_CLOSE_TIMER)
    fault_transition(fault=fault, name="auto_close", actor=actor, at=now)
    fault_event_record(
        fault=fault,
        kind=EventKind.AUTO_ACCEPTED,
        actor=actor,
        at=now,
        message="Resolution auto-accepted ahead of its deadline (fired now for testing).",
        data={"deadline": deadline.isoformat(), "fired_early": True},
    )
    return "the fault was closed as auto-accepted, as the auto-close sweep closes it."


def _at_risk_at(fault: Fault) -> datetime | None:
    """When the running clock reaches the policy's at-risk share (the engine's test:
    elapsed * 100 >= share * target), projected from the last computation."""
    policy = fault.sla_policy
    if policy is None or fault.sla_computed_at is None:
        return None
    threshold = math.ceil(policy.at_risk_percent * policy.target_seconds / 100)
    left = max(threshold - fault.sla_elapsed_seconds, 0)
    return calendar_for(policy).add_working_seconds(fault.sla_computed_at, left)


def sla_at_risk_due(fault: Fault, now: datetime) -> list[timers.Due]:
    if fault.sla_state != SlaState.RUNNING:
        return []
    at = _at_risk_at(fault)
    return [timers.Due(at)] if at is not None else []


def sla_breach_due(fault: Fault, now: datetime) -> list[timers.Due]:
    if fault.sla_state not in (SlaState.RUNNING, SlaState.AT_RISK) or fault.sla_due_at is None:
        return []
    return [timers.Due(fault.sla_due_at)]


def _sla_fire(source):
    def fire(fault: Fault, key: str, now: datetime) -> str:
        with transaction.atomic():
            locked = (
                Fault.objects.select_for_update(of=("self",))
                .select_related("sla_policy")
                .get(pk=fault.pk)
            )
            dues = source(locked, now)
            if not dues:
                return "nothing: the SLA clock changed meanwhile."
            at = max(now, dues[0].due_at)
            fault_sla_recompute(locked, now=at)
            Fault.objects.filter(pk=locked.pk).update(
                **{name: getattr(locked, name) for name in SLA_FIELDS}
            )
            state = SlaState(locked.sla_state).label.lower()
        swept = exceptions_sweep(now=now)
        return (
            f"the SLA clock was computed as of {at:%Y-%m-%d %H:%M:%S} UTC ({state}) and the "
            f"exception sweep ran ({swept.raised} raised, {swept.solved} solved); the next SLA "
            "sweep computes it from the real clock again."
        )

    return fire


def _next_sweep(now: datetime) -> datetime:
    every = settings.CELERY_BEAT_SCHEDULE[EXCEPTION_SWEEP_ENTRY]["schedule"]
    last = (
        PeriodicTask.objects.filter(name=EXCEPTION_SWEEP_ENTRY)
        .values_list("last_run_at", flat=True)
        .first()
    )
    return last + every if last is not None and isinstance(every, timedelta) else now


def exception_sweep_due(fault: Fault, now: datetime) -> list[timers.Due]:
    watched = fault.status in OPEN_STATUSES or fault.status == FaultStatus.REJECTED
    if not watched:
        watched = TicketException.objects.filter(fault=fault, solved_at__isnull=True).exists()
    return [timers.Due(_next_sweep(now))] if watched else []


def exception_sweep_fire(fault: Fault, key: str, now: datetime) -> str:
    swept = exceptions_sweep(now=now)
    return f"the exception sweep ran: {swept.raised} raised, {swept.solved} solved."


def _snooze(rule: TicketExceptionRule) -> timedelta:
    """As the sweep's `_snoozed` counts it."""
    hours = rule.threshold_hours
    return timedelta(hours=hours) if hours else SNOOZE_DEFAULT


def exception_recheck_due(fault: Fault, now: datetime) -> list[timers.Due]:
    solved_by_hand = (
        TicketException.objects.filter(
            fault=fault, solved_automatically=False, solved_at__isnull=False, rule__is_active=True
        )
        .exclude(
            rule__in=TicketException.objects.filter(fault=fault, solved_at__isnull=True).values(
                "rule"
            )
        )
        .select_related("rule")
        .order_by("rule_id", "-solved_at")
    )
    dues: dict[str, timers.Due] = {}
    for exception in solved_by_hand:
        rule = exception.rule
        ends = exception.solved_at + _snooze(rule)
        if rule.type_name not in dues and ends > now:
            dues[rule.type_name] = timers.Due(ends, key=rule.type_name)
    return list(dues.values())


def exception_recheck_fire(fault: Fault, key: str, now: datetime) -> str:
    rule = TicketExceptionRule.objects.get(type_name=key)
    evaluate = evaluator_for(key)
    finding = evaluate(rule, now).get(fault.pk) if evaluate is not None else None
    if finding is None:
        return f"nothing: {key} no longer holds on the fault, so the sweep would not raise it."
    with transaction.atomic():
        exception, raised = TicketException.objects.get_or_create(
            fault=fault,
            rule=rule,
            solved_at=None,
            defaults={
                "subject": finding.subject[:200],
                "comment": finding.comment,
                "raised_at": now,
            },
        )
        if not raised:
            return f"nothing: {key} is open on the fault already."
        fault_event_record(
            fault=fault,
            kind=EventKind.EXCEPTION,
            actor=Actor.timer(SWEEP_ACTOR),
            at=now,
            message=f"Exception raised: {exception.subject}. {exception.comment}",
            data={"exception_id": exception.pk, "rule": key, "open": True},
        )
    return f"{key} still holds on the fault: the exception was raised again now."


def register_fault_timers() -> None:
    timers.register(
        AUTO_CLOSE, source=auto_close_due, fire=auto_close_fire, audit_kind=EventKind.EXCEPTION
    )
    timers.register(
        SLA_AT_RISK,
        source=sla_at_risk_due,
        fire=_sla_fire(sla_at_risk_due),
        audit_kind=EventKind.SLA,
    )
    timers.register(
        SLA_BREACH, source=sla_breach_due, fire=_sla_fire(sla_breach_due), audit_kind=EventKind.SLA
    )
    timers.register(EXCEPTION_RECHECK, source=exception_recheck_due, fire=exception_recheck_fire)
    timers.register(EXCEPTION_SWEEP, source=exception_sweep_due, fire=exception_sweep_fire)
