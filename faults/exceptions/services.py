"""Raising and solving ticket exceptions.

`exceptions_sweep` evaluates every active rule once and reconciles what it finds with the open
exceptions: a fault the rule holds on without an open exception gets one; an open exception
whose condition no longer holds is solved automatically (the seed's `isConsideredSolvedByTbs`).
Rules switched off have their open exceptions solved too. Every raise and solve is written on
the fault's timeline. Two sweeps at once cannot raise one exception twice: the insert skips a
row the partial unique index already holds, and only the rows this sweep inserted are audited.

An agent may solve an open exception by hand, with a reason (`exception_solve`); while the
condition still holds, the sweep does not raise it again for the rule's threshold (24 hours for
a rule without one), so that a solved exception does not come straight back."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from faults.choices import EventKind
from faults.errors import FaultValidationError
from faults.exceptions.models import CallToAction, TicketException, TicketExceptionRule
from faults.exceptions.rules import Finding, evaluator_for
from faults.exceptions.shipped import SHIPPED_RULES, ship_rules
from faults.models import Fault
from faults.services.actors import Actor
from faults.services.audit import fault_event_record, fault_events_record

SWEEP_ACTOR = "exception-sweep"
SNOOZE_DEFAULT = timedelta(hours=24)


@dataclass(frozen=True)
class SweepResult:
    raised: int = 0
    solved: int = 0


def exceptions_sweep(*, now: datetime | None = None) -> SweepResult:
    now = now or timezone.now()
    raised = solved = 0
    if CallToAction.objects.count() < len(SHIPPED_RULES):
        ship_rules(TicketExceptionRule, CallToAction)
    for rule in TicketExceptionRule.objects.all():
        result = rule_sweep(rule, now=now)
        raised += result.raised
        solved += result.solved
    return SweepResult(raised=raised, solved=solved)


def rule_sweep(rule: TicketExceptionRule, *, now: datetime) -> SweepResult:
    """One rule's part of the sweep: evaluate it once, raise what it newly holds on, solve what
    cleared (everything, when the rule is switched off or has no evaluator). The bench times the
    sweep rule by rule through this."""
    evaluate = evaluator_for(rule.type_name)
    if not rule.is_active or evaluate is None:
        return SweepResult(solved=_solve_all(rule, now, why="the rule is switched off"))
    findings = evaluate(rule, now)
    open_ids = set(
        TicketException.objects.filter(rule=rule, solved_at__isnull=True).values_list(
            "fault_id", flat=True
        )
    )
    return SweepResult(
        raised=_raise(rule, findings, open_ids, now),
        solved=_solve_cleared(rule, open_ids - set(findings), now),
    )


def _snoozed(rule: TicketExceptionRule, fault_ids: set[int], now: datetime) -> set[int]:
    """Faults whose exception of this rule an agent solved within the snooze."""
    hours = rule.threshold_hours
    snooze = timedelta(hours=hours) if hours else SNOOZE_DEFAULT
    return set(
        TicketException.objects.filter(
            rule=rule,
            fault_id__in=fault_ids,
            solved_automatically=False,
            solved_at__gt=now - snooze,
        ).values_list("fault_id", flat=True)
    )


def _raise(
    rule: TicketExceptionRule, findings: dict[int, Finding], open_ids: set[int], now: datetime
) -> int:
    new = set(findings) - open_ids
    new -= _snoozed(rule, new, now)
    if not new:
        return 0
    with transaction.atomic():
        TicketException.objects.bulk_create(
            [
                TicketException(
                    fault_id=fault_id,
                    rule=rule,
                    subject=findings[fault_id].subject[:200],
                    comment=findings[fault_id].comment,
                    raised_at=now,
                )
                for fault_id in sorted(new)
            ],
            ignore_conflicts=True,  # another sweep raised it first: keep its row
        )
        # Only the rows this sweep inserted (the other sweep's carry its own time).
        inserted = TicketException.objects.filter(
            rule=rule, fault_id__in=new, raised_at=now, solved_at__isnull=True
        ).values_list("pk", "fault_id", "subject", "comment")
        audited = fault_events_record(
            kind=EventKind.EXCEPTION,
            actor=Actor.timer(SWEEP_ACTOR),
            at=now,
            entries=(
                (
                    fault_id,
                    f"Exception raised: {subject}. {comment}",
                    {"exception_id": pk, "rule": rule.type_name, "open": True},
                )
                for pk, fault_id, subject, comment in inserted.order_by("fault_id")
            ),
        )
    return len(audited)


def _solve_cleared(rule: TicketExceptionRule, cleared: set[int], now: datetime) -> int:
    """Solve the open exceptions on the faults in `cleared` (open when the sweep read them, the
    rule no longer holding). The difference is taken here, not in SQL: `fault_id NOT IN (the
    faults the rule holds on)` compared every open row with every holding fault (224 ms for
    8 500 at a million faults in the bench)."""
    if not cleared:
        return 0
    rows = TicketException.objects.filter(rule=rule, solved_at__isnull=True, fault_id__in=cleared)
    return _solve(rows, now, why="its condition no longer holds")


def _solve_all(rule: TicketExceptionRule, now: datetime, *, why: str) -> int:
    return _solve(TicketException.objects.filter(rule=rule, solved_at__isnull=True), now, why=why)


def _solve(queryset, now: datetime, *, why: str) -> int:
    """Solve the open exceptions of `queryset` automatically, in one UPDATE and one audit INSERT
    (a supplier's outage ending may clear thousands at once). Rows another transaction holds are
    skipped: that sweep or agent solves them."""
    with transaction.atomic():
        rows = list(
            queryset.select_for_update(of=("self",), skip_locked=True).values_list(
                "pk", "fault_id", "subject", "rule__type_name"
            )
        )
        if not rows:
            return 0
        TicketException.objects.filter(pk__in=[pk for pk, *_ in rows]).update(
            solved_at=now, solved_automatically=True, solved_reason=why
        )
        fault_events_record(
            kind=EventKind.EXCEPTION,
            actor=Actor.timer(SWEEP_ACTOR),
            at=now,
            entries=(
                (
                    fault_id,
                    f"Exception solved ({why}): {subject}.",
                    {"exception_id": pk, "rule": type_name, "open": False},
                )
                for pk, fault_id, subject, type_name in rows
            ),
        )
    return len(rows)


def exception_solve(*, exception_id: int, actor: Actor, reason: str) -> TicketException:
    """An agent solves an open exception, saying why."""
    reason = (reason or "").strip()
    if not reason:
        raise FaultValidationError(
            "Say why the exception is solved.", errors={"reason": ["This field is required."]}
        )
    now = timezone.now()
    with transaction.atomic():
        exception = (
            TicketException.objects.select_for_update(of=("self",))
            .select_related("fault", "rule")
            .get(pk=exception_id)
        )
        if exception.solved_at is not None:
            raise FaultValidationError("This exception is already solved.")
        exception.solved_at = now
        exception.solved_automatically = False
        exception.solved_by = actor.user
        exception.solved_reason = reason
        exception.save(
            update_fields=["solved_at", "solved_automatically", "solved_by", "solved_reason"]
        )
        _audit(exception, now, f"Exception solved: {exception.subject}. {reason}", actor=actor)
    return exception


def _audit(
    exception: TicketException, at: datetime, text: str, *, actor: Actor | None = None
) -> None:
    fault: Fault = exception.fault
    fault_event_record(
        fault=fault,
        kind=EventKind.EXCEPTION,
        actor=actor or Actor.timer(SWEEP_ACTOR),
        at=at,
        message=text,
        data={
            "exception_id": exception.pk,
            "rule": exception.rule.type_name,
            "open": exception.solved_at is None,
        },
    )
