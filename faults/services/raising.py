"""Agent actions that create a fault, send it, change it or withdraw it."""

import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from faults.choices import (
    AMENDABLE_STATUSES,
    TERMINAL_STATUSES,
    EventKind,
    FaultStatus,
    PartnerOperation,
)
from faults.errors import FaultValidationError, TransitionNotAllowed
from faults.models import Fault
from faults.ports import ensure_partner_can_carry, request_partner_call
from faults.services.actors import Actor
from faults.services.audit import fault_event_record
from faults.services.transitions import fault_lock, fault_transition
from faults.services.validation import (
    fault_check_amend_keeps_requirements,
    fault_check_ready_to_submit,
    fault_full_clean,
)
from faults.sla import fault_sla_recompute
from faults.suppliers import BuyerIdentifier, Supplier

# Fields an agent may change once the supplier has the fault (the amendFaultReport message).
AMENDABLE_FIELDS = frozenset(
    {
        "description",
        "fault_start_time",
        "fault_location",
        "site_access_details",
        "site_access_contact_name",
        "site_access_contact_phone",
        "site_access_contact_email",
        "reporter_name",
        "reporter_phone",
        "reporter_email",
        "end_user_name",
        "end_user_phone",
        "end_user_email",
        "triage_complete",
        "triage_findings",
        "priority",
    }
)
# Fields that can change only while the fault is a draft: the supplier keys the fault on them.
DRAFT_ONLY_FIELDS = frozenset({"service_id", "fault_type", "address_key", "product_name"})


def new_buyer_fault_reference(*, now: datetime | None = None) -> str:
    now = now or timezone.now()
    return f"NOC-{now:%y%m%d}-{secrets.token_hex(4).upper()}"


def _resolve_buyer_identifier(
    supplier: Supplier, buyer_identifier: BuyerIdentifier | None
) -> BuyerIdentifier:
    if buyer_identifier is None:
        buyer_identifier = supplier.default_buyer_identifier
        if buyer_identifier is None:
            raise FaultValidationError(
                f"{supplier} has no default buyer identifier.",
                errors={
                    "buyer_identifier": ["Configure a default buyer identifier for this partner."]
                },
            )
    if buyer_identifier.partner_id != supplier.pk or not buyer_identifier.is_active:
        raise FaultValidationError(
            "The buyer identifier does not belong to this partner or is inactive.",
            errors={
                "buyer_identifier": [f"{buyer_identifier.code} is not usable with {supplier}."]
            },
        )
    return buyer_identifier


def _check_parent(parent: Fault, supplier: Supplier) -> None:
    """Mass incidents: child faults hang under an open parent with the same supplier, one level
    deep."""
    problems = []
    if parent.parent_id is not None:
        problems.append(f"{parent} is itself a child of another fault.")
    if parent.supplier_id != supplier.pk:
        problems.append(f"{parent} is with another supplier.")
    if parent.status in TERMINAL_STATUSES:
        problems.append(f"{parent} is {parent.status}.")
    if problems:
        raise FaultValidationError("That fault cannot be the parent.", errors={"parent": problems})


@transaction.atomic
def fault_create_draft(
    *,
    actor: Actor,
    supplier: Supplier,
    service_id: str,
    fault_type: str,
    priority: int = 3,
    description: str = "",
    buyer_identifier: BuyerIdentifier | None = None,
    buyer_fault_reference: str | None = None,
    parent: Fault | None = None,
    **details: Any,
) -> Fault:
    unknown = set(details) - AMENDABLE_FIELDS - DRAFT_ONLY_FIELDS
    if unknown:
        raise FaultValidationError(
            "Unknown fault fields.", errors={name: ["Unknown field."] for name in sorted(unknown)}
        )
    if not supplier.is_active:
        raise FaultValidationError(
            f"{supplier} is not active.", errors={"supplier": ["This partner is not active."]}
        )
    # A draft that could never be sent is refused now, not at submit.
    ensure_partner_can_carry(supplier=supplier, operation=PartnerOperation.RAISE)
    if parent is not None:
        _check_parent(parent, supplier)
    fault = Fault(
        buyer_fault_reference=buyer_fault_reference or new_buyer_fault_reference(),
        supplier=supplier,
        buyer_identifier=_resolve_buyer_identifier(supplier, buyer_identifier),
        service_id=service_id,
        fault_type=fault_type,
        priority=priority,
        description=description,
        parent=parent,
        created_by=actor.user,
        **details,
    )
    fault_full_clean(fault)
    fault.save()
    fault_event_record(
        fault=fault, kind=EventKind.CREATED, actor=actor, at=timezone.now(), to_status=fault.status
    )
    return fault


@transaction.atomic
def fault_raise(*, actor: Actor, submit: bool = False, **draft: Any) -> Fault:
    """Create a draft and, when asked, send it straight away: all or nothing."""
    fault = fault_create_draft(actor=actor, **draft)
    if submit:
        fault = fault_submit(fault_id=fault.pk, actor=actor)
    return fault


@transaction.atomic
def fault_submit(*, fault_id: int, actor: Actor, at: datetime | None = None) -> Fault:
    """Draft → pending, and ask for the supplier's addFaultReport."""
    at = at or timezone.now()
    fault = fault_lock(fault_id=fault_id)
    if fault.status != FaultStatus.DRAFT:
        raise TransitionNotAllowed(
            reference=fault.buyer_fault_reference, status=fault.status, action="submit"
        )
    fault_check_ready_to_submit(fault)
    fault_transition(fault=fault, name="submit", actor=actor, at=at)
    request_partner_call(fault=fault, operation=PartnerOperation.RAISE, payload={}, at=at)
    return fault


def _as_json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


@transaction.atomic
def fault_amend(
    *, fault_id: int, actor: Actor, changes: Mapping[str, Any], at: datetime | None = None
) -> Fault:
    """Change a fault's details. A draft changes freely; a submitted fault sends only the fields
    that changed to the supplier (amendFaultReport). No change, no event, no call."""
    at = at or timezone.now()
    fault = fault_lock(fault_id=fault_id)
    is_draft = fault.status == FaultStatus.DRAFT
    if not is_draft and fault.status not in AMENDABLE_STATUSES:
        raise TransitionNotAllowed(
            reference=fault.buyer_fault_reference, status=fault.status, action="amend"
        )
    allowed = AMENDABLE_FIELDS | DRAFT_ONLY_FIELDS if is_draft else AMENDABLE_FIELDS
    refused = sorted(set(changes) - allowed)
    if refused:
        reason = "Unknown field." if is_draft else "Cannot be changed once the fault is raised."
        raise FaultValidationError(
            "These fields cannot be amended.", errors={name: [reason] for name in refused}
        )
    diff = {}
    for name, value in changes.items():
        old = getattr(fault, name)
        if old != value:
            diff[name] = [_as_json(old), _as_json(value)]
            setattr(fault, name, value)
    if not diff:
        return fault
    fault_full_clean(fault)
    if not is_draft:
        fault_check_amend_keeps_requirements(fault)
    if diff.keys() & {"priority", "fault_type"}:
        # Another priority or type may fall under another SLA policy.
        fault.sla_policy = None
        fault_sla_recompute(fault, now=max(timezone.now(), at))
    fault.save()
    fault_event_record(
        fault=fault, kind=EventKind.AMENDED, actor=actor, at=at, data={"changes": diff}
    )
    if not is_draft:
        payload = {"changes": {name: new for name, (_old, new) in diff.items()}}
        request_partner_call(fault=fault, operation=PartnerOperation.AMEND, payload=payload, at=at)
    return fault


@transaction.atomic
def fault_cancel(
    *, fault_id: int, actor: Actor, reason: str = "", at: datetime | None = None
) -> Fault:
    """Withdraw a fault. A draft is cancelled locally; a raised fault is cancelled with the
    supplier through an amend."""
    at = at or timezone.now()
    fault = fault_lock(fault_id=fault_id)
    was_draft = fault.status == FaultStatus.DRAFT
    fault_transition(fault=fault, name="cancel", actor=actor, at=at, reason=reason)
    if not was_draft:
        request_partner_call(
            fault=fault, operation=PartnerOperation.CANCEL, payload={"reason": reason}, at=at
        )
    return fault


@transaction.atomic
def fault_request_update(*, fault_id: int, actor: Actor, at: datetime | None = None) -> Fault:
    """Ask the supplier for a full notification of the fault (requestFaultReportUpdate)."""
    at = at or timezone.now()
    fault = fault_lock(fault_id=fault_id)
    if fault.status == FaultStatus.DRAFT or fault.status in TERMINAL_STATUSES:
        raise TransitionNotAllowed(
            reference=fault.buyer_fault_reference, status=fault.status, action="request_update"
        )
    if not fault.maintainer_fault_reference:
        raise FaultValidationError(
            "The supplier has not given its reference yet; an update can be requested once the "
            "fault is accepted.",
            errors={"maintainer_fault_reference": ["Not known yet."]},
        )
    request_partner_call(fault=fault, operation=PartnerOperation.REQUEST_UPDATE, payload={}, at=at)
    return fault


# A step another app adds to raising a fault (e.g. attach the reserved appointment): it runs on
# the saved fault, before the submit, in the same transaction.
RaiseStep = Callable[[Fault], None]


def _steps_and_submit(
    fault: Fault, *, actor: Actor, steps: Iterable[RaiseStep], submit: bool
) -> Fault:
    for step in steps:
        step(fault)
    if submit:
        fault = fault_submit(fault_id=fault.pk, actor=actor)
    return fault


@transaction.atomic
def fault_raise_with_steps(
    *, actor: Actor, details: dict[str, Any], steps: Iterable[RaiseStep] = (), submit: bool
) -> Fault:
    """Create the draft from `details` (fault_raise's arguments), run the steps on it, and
    submit when asked: one transaction, so a refusal at any step keeps nothing."""
    fault = fault_raise(actor=actor, submit=False, **details)
    return _steps_and_submit(fault, actor=actor, steps=steps, submit=submit)


@transaction.atomic
def fault_draft_update_with_steps(
    *,
    actor: Actor,
    fault_id: int,
    changes: dict[str, Any],
    steps: Iterable[RaiseStep] = (),
    submit: bool,
) -> Fault:
    """Amend a draft with what changed, run the steps on it, and submit when asked."""
    fault = fault_amend(fault_id=fault_id, actor=actor, changes=changes)
    return _steps_and_submit(fault, actor=actor, steps=steps, submit=submit)
