"""Applying SLA policies to faults: policy look-up, per-fault recompute and the periodic sweep."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from faults.choices import SLA_ACTIVE_STATES, EventKind, SlaState
from faults.models import Fault, FaultEvent, SlaPolicy
from faults.sla.calendars import calendar_for
from faults.sla.engine import compute_sla_figures

# The fields fault_sla_recompute sets; the sweep writes these and nothing else.
SLA_FIELDS = (
    "sla_policy",
    "sla_state",
    "sla_elapsed_seconds",
    "sla_paused_seconds",
    "sla_due_at",
    "sla_computed_at",
)

Timeline = Sequence[tuple[str, datetime]]


def sla_policy_for(*, partner_id: int, fault_type: str, priority: int | None) -> SlaPolicy | None:
    """The most specific active policy of a partner for a fault type and priority.

    Specificity, most first: type + priority, type + any priority, any type + priority, any type
    + any priority. Fault types compare case-insensitively (suppliers send free text).
    """
    fault_type = (fault_type or "").strip()
    type_q = Q(fault_type="")
    if fault_type:
        type_q |= Q(fault_type__iexact=fault_type)
    priority_q = Q(priority__isnull=True)
    if priority is not None:
        priority_q |= Q(priority=priority)
    candidates = SlaPolicy.objects.filter(type_q, priority_q, partner_id=partner_id, is_active=True)

    def rank(policy: SlaPolicy) -> tuple[int, int, int]:
        return (policy.fault_type == "", policy.priority is None, policy.pk)

    return min(candidates, key=rank, default=None)


def _apply(fault: Fault, *, timeline: Timeline, now: datetime) -> None:
    if fault.sla_policy_id is None:
        fault.sla_policy = sla_policy_for(
            partner_id=fault.supplier_id, fault_type=fault.fault_type, priority=fault.priority
        )
    policy = fault.sla_policy
    fault.sla_computed_at = now
    if policy is None:
        fault.sla_state = SlaState.NONE
        fault.sla_elapsed_seconds = 0
        fault.sla_paused_seconds = 0
        fault.sla_due_at = None
        return
    figures = compute_sla_figures(
        timeline=timeline,
        target_seconds=policy.target_seconds,
        at_risk_percent=policy.at_risk_percent,
        calendar=calendar_for(policy),
        now=now,
    )
    fault.sla_state = figures.state
    fault.sla_elapsed_seconds = figures.elapsed_seconds
    fault.sla_paused_seconds = figures.paused_seconds
    fault.sla_due_at = figures.due_at


def fault_sla_recompute(fault: Fault, *, now: datetime) -> None:
    """Set the fault's SLA figures as of `now` from its status events. Does not save.

    The policy is looked up once and then kept, so later policy edits do not rewrite the terms
    a fault was taken on under; clear `sla_policy` to look it up again (e.g. after an amend
    changes the type or priority). A fault without status events has not started its clock.
    """
    timeline = _timelines([fault.pk])[fault.pk] if fault.pk is not None else []
    _apply(fault, timeline=timeline, now=now)


def _timelines(fault_ids: list[int]) -> dict[int, list[tuple[str, datetime]]]:
    """The status timelines of a batch of faults in one query, in the order the statuses were
    applied. Not by `at`: that is our clock for our actions and the supplier's `sentAt` for its
    own, and the two drift (a supplier's "accepted" stamped 2 s before our submit)."""
    timelines: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    rows = (
        FaultEvent.objects.filter(fault_id__in=fault_ids, kind=EventKind.STATUS)
        .order_by("fault_id", "id")
        .values_list("fault_id", "to_status", "at")
    )
    for fault_id, status, at in rows:
        timelines[fault_id].append((status, at))
    return timelines


def faults_sla_sweep(
    *, now: datetime | None = None, full: bool = False, batch_size: int | None = None
) -> int:
    """Recompute the SLA figures of every fault whose clock is live (or, with `full`, of every
    fault with a policy) and return how many changed SLA state.

    Runs in batches by id, each in its own transaction. Rows are taken with
    `select_for_update(skip_locked=True)`: a fault that a transition holds locked is skipped (the
    transition recomputes it itself), so the sweep never waits for, nor overwrites, one. Only the
    sla_* fields are written, so `updated_at` and everything else are left alone.
    """
    now = now or timezone.now()
    batch_size = batch_size or settings.SLA_SWEEP_BATCH_SIZE
    scope = Q(sla_policy__isnull=False) if full else Q(sla_state__in=SLA_ACTIVE_STATES)
    changed = 0
    last_id = 0
    while True:
        with transaction.atomic():
            batch = list(
                Fault.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("sla_policy")
                .filter(scope, id__gt=last_id)
                .order_by("id")[:batch_size]
            )
            if not batch:
                return changed
            last_id = batch[-1].pk
            timelines = _timelines([fault.pk for fault in batch])
            for fault in batch:
                before = fault.sla_state
                _apply(fault, timeline=timelines.get(fault.pk, []), now=now)
                changed += fault.sla_state != before
            Fault.objects.bulk_update(batch, SLA_FIELDS)
