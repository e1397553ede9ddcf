"""The port through which the fault lifecycle asks for calls to a supplier.

`faults` never imports a protocol package: services call `request_partner_call` inside their
transaction, and the handler named by `settings.FAULT_PARTNER_CALL_HANDLER` decides what that
means. The default records the intended call on the fault's audit trail; the integration spine
replaces it with a handler that writes an outbox row in the same transaction.

Not every partner can carry every call: the partner form offers protocols that have no adapter
yet. `partner_call_refusal` asks the check named by `settings.FAULT_PARTNER_CALL_CHECK` (the
integration side answers from its adapters) before anything is stored, so such a request is a
clear refusal instead of an error in the middle of a change.
"""

from datetime import datetime
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from faults.choices import EventKind, PartnerOperation
from faults.errors import FaultValidationError
from faults.models import Fault


class Supplier(Protocol):
    """A fault's supplier as this port sees it: a row it hands on to the check (the integration
    layer's partner; `faults` does not import that layer, not even for types)."""

    pk: Any


class PartnerCallHandler(Protocol):
    def __call__(
        self, *, fault: Fault, operation: PartnerOperation, payload: dict[str, Any], at: datetime
    ) -> None: ...


class PartnerCallCheck(Protocol):
    def __call__(self, *, supplier: Supplier, operation: PartnerOperation) -> str | None: ...


def partner_call_refusal(*, supplier: Supplier, operation: PartnerOperation) -> str | None:
    """Why `supplier` cannot carry `operation`, as a sentence for the agent; None when it can."""
    check: PartnerCallCheck = import_string(settings.FAULT_PARTNER_CALL_CHECK)
    return check(supplier=supplier, operation=operation)


def ensure_partner_can_carry(*, supplier: Supplier, operation: PartnerOperation) -> None:
    """Raise FaultValidationError when the partner cannot carry the call; for a raise, the
    error is the supplier field's (the agent picked that supplier)."""
    reason = partner_call_refusal(supplier=supplier, operation=operation)
    if reason:
        on_supplier = operation == PartnerOperation.RAISE
        raise FaultValidationError(reason, errors={"supplier": [reason]} if on_supplier else {})


def request_partner_call(
    *, fault: Fault, operation: PartnerOperation, payload: dict[str, Any], at: datetime
) -> None:
    ensure_partner_can_carry(supplier=fault.supplier, operation=operation)
    handler: PartnerCallHandler = import_string(settings.FAULT_PARTNER_CALL_HANDLER)
    handler(fault=fault, operation=operation, payload=payload, at=at)


def record_intended_call(
    *, fault: Fault, operation: PartnerOperation, payload: dict[str, Any], at: datetime
) -> None:
    from faults.services.actors import Actor
    from faults.services.audit import fault_event_record

    fault_event_record(
        fault=fault,
        kind=EventKind.PARTNER_CALL,
        actor=Actor.system("partner-port"),
        at=at,
        message=f"{PartnerOperation(operation).label} requested",
        data={"operation": str(operation), "payload": payload},
    )


def any_call_carried(*, supplier: Supplier, operation: PartnerOperation) -> str | None:
    """A check that refuses nothing: the pair of `record_intended_call`."""
    return None
