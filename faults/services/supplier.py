"""The supplier-driven path: what a supplier's notification does to a fault (design §4).

The supplier is the source of truth for its status. A status that skips steps is applied step by
step and the skip recorded as an anomaly; a status from a message older than the one that set the
current status is not applied, but everything else the message carries is still merged.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from faults.choices import EventKind, FaultStatus
from faults.field_labels import field_label, field_labels
from faults.models import Fault
from faults.services.actors import Actor
from faults.services.audit import fault_event_record
from faults.services.held import fault_save
from faults.services.merge import (
    CommentEntry,
    UpdateEntry,
    fault_comments_merge,
    fault_updates_merge,
)
from faults.services.transitions import fault_lock, fault_transition, supplier_path

MAX_CLOCK_AHEAD = timedelta(minutes=5)
# Details the supplier owns and may change in any notification.
SUPPLIER_DETAIL_FIELDS = ("triage_complete", "triage_findings", "closure_code")


@dataclass(frozen=True)
class LateRepair:
    total_days: int | None = None
    seller_days: int | None = None
    non_seller_days: int | None = None
    exclusions: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class SupplierReport:
    """Everything a supplier notification says about a fault, in domain terms."""

    sent_at: datetime | None = None
    status: str | None = None
    status_reason: str = ""
    maintainer_fault_reference: str = ""
    updates: tuple[UpdateEntry, ...] = ()
    comments: tuple[CommentEntry, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    late_repair: LateRepair | None = None
    # The reason is the supplier's whole current reason for its status (a protocol that sends
    # the full ticket each time, TMF621): an empty one clears the fault's, so a "held" reason
    # does not outlive the hold. Otherwise an empty reason says nothing and the fault keeps its.
    status_reason_is_complete: bool = False
    # What the message carried that could not be read or used (e.g. a status outside the
    # vocabulary): recorded as anomalies, which are shown to people, not as plain notes.
    anomalies: tuple[tuple[str, dict[str, Any]], ...] = ()
    # When the supplier expects to have resolved the fault (TMF621 `expectedResolutionDate`);
    # None says nothing, so the fault keeps the time it has.
    expected_resolution_at: datetime | None = None


# No savepoint of its own (two round trips a message): the inbox applies each message in one of
# its own, and an error here fails the caller's transaction (or savepoint) like any other.
@transaction.atomic(savepoint=False)
def fault_apply_supplier_report(*, fault_id: int, report: SupplierReport, actor: Actor) -> Fault:
    """Apply a supplier notification to a fault. Never refuses: what cannot be applied is
    recorded on the timeline."""
    now = timezone.now()
    at = report.sent_at or now
    fault = fault_lock(fault_id=fault_id)
    if at > now + MAX_CLOCK_AHEAD:
        # Taken at its word, a sent time in the future would make every later message look
        # older and freeze the fault's status.
        _anomaly(
            fault,
            actor,
            now,
            f"The message says it was sent at {at.isoformat()}, in the future; taken as sent now.",
            sent_at=at.isoformat(),
        )
        at = now
    fault.last_supplier_message_at = max(filter(None, (fault.last_supplier_message_at, at)))
    _apply_maintainer_reference(fault, report.maintainer_fault_reference, actor, at)
    fault_updates_merge(fault=fault, entries=report.updates)
    for comment in fault_comments_merge(fault=fault, entries=report.comments, received_at=at):
        if comment.commented_by != "buyer":
            fault_event_record(
                fault=fault,
                kind=EventKind.COMMENT,
                actor=actor,
                at=at,
                message=comment.text,
                data={"comment_id": comment.pk},
            )
    _apply_details(fault, report.details, actor, at)
    if report.expected_resolution_at is not None:
        _apply_expected_resolution(fault, report.expected_resolution_at, actor, at)
    if report.late_repair is not None:
        _apply_late_repair(fault, report.late_repair, actor, at)
    for message, data in report.anomalies:
        _anomaly(fault, actor, at, message, **data)
    if report.status:
        _apply_status(
            fault=fault,
            status=report.status.strip().lower(),
            actor=actor,
            at=at,
            reason=report.status_reason,
            reason_is_complete=report.status_reason_is_complete,
        )
    fault_save(fault)
    return fault


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
    """The status part of a notification on its own (also a synchronous rejection)."""
    report = SupplierReport(
        sent_at=sent_at,
        status=status,
        status_reason=reason,
        maintainer_fault_reference=maintainer_fault_reference,
        updates=tuple(updates),
    )
    return fault_apply_supplier_report(fault_id=fault_id, report=report, actor=actor)


def _apply_maintainer_reference(fault: Fault, reference: str, actor: Actor, at: datetime) -> None:
    reference = (reference or "").strip()[:36]
    if not reference or reference == fault.maintainer_fault_reference:
        return
    fault_event_record(
        fault=fault,
        kind=EventKind.SUPPLIER_DATA,
        actor=actor,
        at=at,
        message=f"{field_label('maintainer_fault_reference')} {reference}",
        data={"maintainer_fault_reference": [fault.maintainer_fault_reference, reference]},
    )
    fault.maintainer_fault_reference = reference


def _apply_details(fault: Fault, details: dict[str, Any], actor: Actor, at: datetime) -> None:
    changes = {}
    for name in SUPPLIER_DETAIL_FIELDS:
        value = details.get(name)
        if value is None or value == "" or getattr(fault, name) == value:
            continue
        changes[name] = [getattr(fault, name), value]
        setattr(fault, name, value)
    if changes:
        fault_event_record(
            fault=fault,
            kind=EventKind.SUPPLIER_DATA,
            actor=actor,
            at=at,
            message=f"Supplier updated: {field_labels(changes)}",
            data=changes,
        )


EXPECTED_RESOLUTION = "supplier_expected_resolution_at"


def _apply_expected_resolution(
    fault: Fault, expected: datetime, actor: Actor, at: datetime
) -> None:
    """Keep the supplier's latest expected resolution time. Like a status, a time from a message
    older than the one that set the fault's is not applied (messages may arrive out of order);
    the audit trail's supplier-data rows say when the current time was sent, so no column is
    needed for it."""
    if expected == fault.supplier_expected_resolution_at:
        return
    set_at = fault.events.filter(
        kind=EventKind.SUPPLIER_DATA, data__has_key=EXPECTED_RESOLUTION
    ).aggregate(latest=Max("at"))["latest"]
    if set_at is not None and at < set_at:
        return
    previous = fault.supplier_expected_resolution_at
    fault_event_record(
        fault=fault,
        kind=EventKind.SUPPLIER_DATA,
        actor=actor,
        at=at,
        message=f"Expected resolution from the supplier: {expected:%Y-%m-%d %H:%M} UTC"
        + (f" (was {previous:%Y-%m-%d %H:%M} UTC)" if previous else ""),
        data={
            EXPECTED_RESOLUTION: [
                previous.isoformat() if previous else None,
                expected.isoformat(),
            ]
        },
    )
    fault.supplier_expected_resolution_at = expected


def _apply_late_repair(fault: Fault, late: LateRepair, actor: Actor, at: datetime) -> None:
    figures = {
        "late_repair_total_days": late.total_days,
        "late_repair_seller_days": late.seller_days,
        "late_repair_non_seller_days": late.non_seller_days,
        "late_repair_exclusions": late.exclusions,
    }
    if all(getattr(fault, name) == value for name, value in figures.items()):
        return
    for name, value in figures.items():
        setattr(fault, name, value)
    fault_event_record(
        fault=fault,
        kind=EventKind.SUPPLIER_DATA,
        actor=actor,
        at=at,
        message=f"Late repair notification: {late.total_days} day(s) late, "
        f"{late.seller_days} caused by the supplier",
        data={"late_repair": {k: v for k, v in figures.items() if k != "late_repair_exclusions"}},
    )


def _apply_status(
    *,
    fault: Fault,
    status: str,
    actor: Actor,
    at: datetime,
    reason: str,
    reason_is_complete: bool = False,
) -> None:
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
    if fault.supplier_status_sent_at and at < fault.supplier_status_sent_at:
        fault_event_record(
            fault=fault,
            kind=EventKind.STALE_STATUS,
            actor=actor,
            at=at,
            from_status=current,
            to_status=status,
            message=(
                f"'{status}' sent at {at.isoformat()} is older than the supplier's last status "
                f"(sent {fault.supplier_status_sent_at.isoformat()}); status not changed."
            ),
        )
        return
    fault.supplier_status_sent_at = at
    if status == current:
        if (reason or reason_is_complete) and reason != fault.status_reason:
            fault.status_reason = reason
        return
    path = supplier_path(from_status=current, to_status=status)
    if path is None:
        _anomaly(
            fault,
            actor,
            at,
            f"Supplier reported '{status}' while the fault is "
            f"'{current}': no such move; status not changed.",
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
