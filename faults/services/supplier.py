"""The supplier-driven path: what a supplier's notification does to a fault (design §4).

The supplier is the source of truth for its status. A status that skips steps is applied step by
step and the skip recorded as an anomaly; a status from a message older than the one that set the
current status is not applied, but the message's updates are still merged.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from faults.choices import EventKind, FaultStatus, Party
from faults.models import Fault, FaultUpdate
from faults.services.actors import Actor
from faults.services.audit import fault_event_record
from faults.services.notes import content_fingerprint
from faults.services.transitions import fault_lock, fault_transition, supplier_path


@dataclass(frozen=True)
class UpdateEntry:
    """One entry of a supplier's updates list."""

    description: str
    updated_by: str = ""
    updated_time: datetime | None = None


def _party(value: str) -> str:
    value = (value or "").strip().lower()
    return value if value in Party.values else ""


def fault_updates_merge(*, fault: Fault, entries: Iterable[UpdateEntry]) -> int:
    """Store the entries not stored yet (suppliers resend the whole list); returns how many."""
    known = set(fault.updates.values_list("fingerprint", flat=True))
    new_rows = []
    for entry in entries:
        if not entry.description or not entry.description.strip():
            continue
        party = _party(entry.updated_by)
        fingerprint = content_fingerprint(entry.description, party, entry.updated_time)
        if fingerprint in known:
            continue
        known.add(fingerprint)
        new_rows.append(
            FaultUpdate(
                fault=fault,
                description=entry.description.strip(),
                updated_by=party,
                updated_time=entry.updated_time,
                fingerprint=fingerprint,
            )
        )
    FaultUpdate.objects.bulk_create(new_rows)
    return len(new_rows)


@transaction.atomic
def fault_apply_supplier_status(
    *,
    fault_id: int,
    status: str | None,
    actor: Actor,
    sent_at: datetime | None = None,
    reason: str = "",
    maintainer_fault_reference: str = "",
    updates: Iterable[UpdateEntry] = (),
) -> Fault:
    """Apply what a supplier message says about a fault: its maintainer reference, its updates
    and its status. Never refuses: what cannot be applied is recorded on the timeline."""
    at = sent_at or timezone.now()
    fault = fault_lock(fault_id=fault_id)
    fault.last_supplier_message_at = max(filter(None, (fault.last_supplier_message_at, at)))

    maintainer_fault_reference = (maintainer_fault_reference or "").strip()
    if (
        maintainer_fault_reference
        and maintainer_fault_reference != fault.maintainer_fault_reference
    ):
        fault_event_record(
            fault=fault,
            kind=EventKind.SUPPLIER_DATA,
            actor=actor,
            at=at,
            message=f"Maintainer reference {maintainer_fault_reference}",
            data={
                "maintainer_fault_reference": [
                    fault.maintainer_fault_reference,
                    maintainer_fault_reference,
                ]
            },
        )
        fault.maintainer_fault_reference = maintainer_fault_reference[:36]

    fault_updates_merge(fault=fault, entries=updates)
    if status:
        _apply_status(fault=fault, status=status.strip().lower(), actor=actor, at=at, reason=reason)
    fault.save()
    return fault


def _apply_status(*, fault: Fault, status: str, actor: Actor, at: datetime, reason: str) -> None:
    current = fault.status
    if status not in FaultStatus.values or status == FaultStatus.DRAFT:
        _anomaly(
            fault,
            actor,
            at,
            f"Supplier sent an unknown status '{status}'; not applied.",
            reported=status,
        )
        return
    if fault.status_as_of and at < fault.status_as_of:
        fault_event_record(
            fault=fault,
            kind=EventKind.STALE_STATUS,
            actor=actor,
            at=at,
            from_status=current,
            to_status=status,
            message=(
                f"'{status}' sent at {at.isoformat()} is older than the current '{current}' "
                f"(as of {fault.status_as_of.isoformat()}); status not changed."
            ),
        )
        return
    if status == current:
        if reason and reason != fault.status_reason:
            fault.status_reason = reason
        fault.status_as_of = at
        return
    path = supplier_path(from_status=current, to_status=status)
    if path is None:
        _anomaly(
            fault,
            actor,
            at,
            f"Supplier reported '{status}' while the fault is '{current}': "
            "no such move; status not changed.",
            reported=status,
        )
        return
    if len(path) > 1:
        _anomaly(
            fault,
            actor,
            at,
            f"Supplier reported '{status}' while the fault is '{current}': applied the skipped "
            f"step(s) {', '.join(path[:-1])}.",
            reported=status,
            applied=path,
        )
    for step in path[:-1]:
        fault_transition(fault=fault, name=step, actor=actor, at=at, data={"skipped_step": True})
    fault_transition(fault=fault, name=path[-1], actor=actor, at=at, reason=reason)


def _anomaly(fault: Fault, actor: Actor, at: datetime, message: str, **data: object) -> None:
    fault_event_record(
        fault=fault,
        kind=EventKind.ANOMALY,
        actor=actor,
        at=at,
        message=message,
        from_status=fault.status,
        data=data,
    )
