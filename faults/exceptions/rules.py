"""The evaluators, one per rule type: which faults the rule's condition holds on now, with the
subject and comment a person reads. Each is one query over the faults (never a loop that asks the
database per fault), so a sweep costs about one rule evaluation per rule, whatever the number of
faults.

Rules that read another app's state (appointments, the integration spine) are registered by that
app with `register`, so that `faults` imports neither."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce

from faults.choices import TERMINAL_STATUSES, ActorKind, FaultStatus, SlaState
from faults.exceptions.models import TicketExceptionRule
from faults.models import Fault, FaultEvent, SlaPause
from faults.services.partner_ticket import PURGED

__all__ = ["Evaluator", "Finding", "evaluator_for", "register", "registered_types"]


@dataclass(frozen=True)
class Finding:
    subject: str
    comment: str


# (rule, now) -> {fault id: what to say}
Evaluator = Callable[[TicketExceptionRule, datetime], dict[int, Finding]]
_EVALUATORS: dict[str, Evaluator] = {}


def register(type_name: str) -> Callable[[Evaluator], Evaluator]:
    """Decorator: the evaluator of rules of `type_name`."""

    def add(evaluator: Evaluator) -> Evaluator:
        _EVALUATORS[type_name] = evaluator
        return evaluator

    return add


def evaluator_for(type_name: str) -> Evaluator | None:
    return _EVALUATORS.get(type_name)


def registered_types() -> list[str]:
    return sorted(_EVALUATORS)


def _hours(rule: TicketExceptionRule, default: float) -> timedelta:
    return timedelta(hours=rule.threshold_hours if rule.threshold_hours is not None else default)


def _sentence(text: str, limit: int = 300) -> str:
    """A supplier's words quoted as one sentence: cut to `limit`, ending in one full stop."""
    text = text.strip()[:limit].rstrip(". ")
    return f"{text}."


def _words(hours: timedelta) -> str:
    total = hours.total_seconds() / 3600
    return f"{total:g} hour{'s' if total != 1 else ''}"


# Statuses in which the supplier owes us news (on hold waits on us; resolved waits on us too).
WAITING_ON_SUPPLIER = (
    FaultStatus.PENDING,
    FaultStatus.ACCEPTED,
    FaultStatus.OPEN,
    FaultStatus.IN_PROGRESS,
    FaultStatus.REOPENED,
)


@register("NO_SUPPLIER_UPDATE")
def no_supplier_update(rule: TicketExceptionRule, now: datetime) -> dict[int, Finding]:
    """Open with the supplier and nothing heard from it (since it was sent) for N hours."""
    silent_for = _hours(rule, 24)
    rows = (
        Fault.objects.filter(status__in=WAITING_ON_SUPPLIER)
        .annotate(last_heard=Coalesce("last_supplier_message_at", "submitted_at"))
        .filter(last_heard__lte=now - silent_for)
        .values_list("pk", "supplier__name", "last_heard")
    )
    return {
        pk: Finding(
            subject=f"No update from {supplier} for more than {_words(silent_for)}",
            comment=f"The last word from {supplier} was at {last:%Y-%m-%d %H:%M} UTC. Chase the "
            "supplier, or request a full update.",
        )
        for pk, supplier, last in rows
    }


@register("SLA_AT_RISK")
def sla_at_risk(rule: TicketExceptionRule, now: datetime) -> dict[int, Finding]:
    """The SLA clock is past its at-risk point."""
    rows = Fault.objects.filter(sla_state=SlaState.AT_RISK).values_list(
        "pk", "supplier__name", "sla_due_at"
    )
    return {
        pk: Finding(
            subject=f"SLA at risk with {supplier}",
            comment=(f"The repair is due by {due:%Y-%m-%d %H:%M} UTC. " if due else "")
            + "Ask the supplier for a fix time before the target is missed.",
        )
        for pk, supplier, due in rows
    }


@register("SLA_BREACHED")
def sla_breached(rule: TicketExceptionRule, now: datetime) -> dict[int, Finding]:
    """Still open past its SLA target."""
    rows = Fault.objects.filter(sla_state=SlaState.BREACHED).values_list(
        "pk", "supplier__name", "sla_due_at"
    )
    return {
        pk: Finding(
            subject=f"SLA breached by {supplier}",
            comment=(
                f"The repair was due by {due:%Y-%m-%d %H:%M} UTC and the fault is still open. "
                if due
                else "The fault is still open past its SLA target. "
            )
            + "Escalate with the supplier and record its new fix time.",
        )
        for pk, supplier, due in rows
    }


@register("ON_HOLD_TOO_LONG")
def on_hold_too_long(rule: TicketExceptionRule, now: datetime) -> dict[int, Finding]:
    """On hold (the supplier waits on us) for more than N hours."""
    held_for = _hours(rule, 48)
    pauses = SlaPause.objects.filter(
        fault=OuterRef("pk"), ended_at__isnull=True, started_at__lte=now - held_for
    )
    rows = (
        Fault.objects.filter(status=FaultStatus.ON_HOLD)
        .filter(Exists(pauses))
        .values_list("pk", "supplier__name", "status_reason")
    )
    return {
        pk: Finding(
            subject=f"On hold with {supplier} for more than {_words(held_for)}",
            comment=(f"The supplier asked: {_sentence(reason)} " if reason else "")
            + "Give the supplier what it waits for, or chase it to take the fault off hold.",
        )
        for pk, supplier, reason in rows
    }


@register("REJECTED_NOT_ACTIONED")
def rejected_not_actioned(rule: TicketExceptionRule, now: datetime) -> dict[int, Finding]:
    """Rejected by the supplier N hours ago (within the last 14 days) and no agent has done
    anything with the fault since: not re-raised, no comment."""
    waited = _hours(rule, 4)
    agent_since = FaultEvent.objects.filter(
        fault=OuterRef("pk"), actor_kind=ActorKind.USER, at__gt=OuterRef("rejected_at")
    )
    rows = (
        Fault.objects.filter(
            status=FaultStatus.REJECTED,
            rejected_at__lte=now - waited,
            rejected_at__gt=now - timedelta(days=14),
        )
        .filter(~Exists(agent_since))
        .values_list("pk", "supplier__name", "status_reason")
    )
    return {
        pk: Finding(
            subject=f"Rejected by {supplier}, not actioned for {_words(waited)}",
            comment=(f"The supplier's reason: {_sentence(reason)} " if reason else "")
            + "Correct and raise it again, or record why nothing is needed.",
        )
        for pk, supplier, reason in rows
    }


@register("RESOLVED_AWAITING_ANSWER")
def resolved_awaiting_answer(rule: TicketExceptionRule, now: datetime) -> dict[int, Finding]:
    """Resolved by the supplier and not answered by us, with the auto-close less than N hours
    away."""
    within = _hours(rule, 12)
    rows = Fault.objects.filter(
        status=FaultStatus.RESOLVED,
        auto_close_due_at__isnull=False,
        auto_close_due_at__lte=now + within,
    ).values_list("pk", "supplier__name", "auto_close_due_at")
    return {
        pk: Finding(
            subject=f"Resolution by {supplier} closes itself at {due:%Y-%m-%d %H:%M} UTC",
            comment="Check the service with the customer, then accept or reject the resolution "
            "before it is accepted for us.",
        )
        for pk, supplier, due in rows
    }


@register("PARTNER_TICKET_PURGED")
def partner_ticket_purged(rule: TicketExceptionRule, now: datetime) -> dict[int, Finding]:
    """Still open with us while the supplier has purged its ticket (it no longer knows it)."""
    purged = FaultEvent.objects.filter(fault=OuterRef("pk"), data__has_key=PURGED)
    rows = (
        Fault.objects.exclude(status__in=(FaultStatus.DRAFT, *TERMINAL_STATUSES))
        .filter(Exists(purged))
        .values_list("pk", "supplier__name")
    )
    return {
        pk: Finding(
            subject=f"{supplier} no longer has this ticket",
            comment="The supplier purged its ticket: nothing we send about it arrives. Raise the "
            "fault again or close it here.",
        )
        for pk, supplier in rows
    }
