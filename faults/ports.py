"""The port through which the fault lifecycle asks for calls to a supplier.

`faults` never imports the integration layer: services call `request_partner_call` inside their
transaction, and whoever is connected to the port decides what that means. Until something is
connected, a call is only recorded on the fault's audit trail (`RECORD_ONLY`); the integrations
app connects, when it is ready, a handler that writes an outbox row in the same transaction
(`connect_partner_calls`).

Not every partner can carry every call: a partner may use a protocol whose package is not
enabled, or whose adapter has no message for the operation. `partner_call_refusal` asks the
connected check before anything is stored, so such a request is a clear refusal instead of an
error in the middle of a change.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from faults.choices import EventKind, PartnerOperation
from faults.errors import FaultValidationError
from faults.models import Fault
from faults.suppliers import Supplier


class PartnerCallHandler(Protocol):
    def __call__(
        self, *, fault: Fault, operation: PartnerOperation, payload: dict[str, Any], at: datetime
    ) -> None: ...


class PartnerCallCheck(Protocol):
    def __call__(self, *, supplier: Supplier, operation: PartnerOperation) -> str | None: ...


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


@dataclass(frozen=True)
class PartnerCalls:
    """What the port is connected to: `check` says whether a supplier can carry an operation
    (None, or why not in a sentence for the agent); `handler` takes the call inside the
    domain transaction."""

    handler: PartnerCallHandler
    check: PartnerCallCheck


RECORD_ONLY = PartnerCalls(handler=record_intended_call, check=any_call_carried)
_connected: PartnerCalls = RECORD_ONLY


def connect_partner_calls(calls: PartnerCalls) -> PartnerCalls:
    """Connect the port (the integrations app does, in its ready()); returns what was connected
    before, so a test can put it back."""
    global _connected
    previous, _connected = _connected, calls
    return previous


def partner_call_refusal(*, supplier: Supplier, operation: PartnerOperation) -> str | None:
    """Why `supplier` cannot carry `operation`, as a sentence for the agent; None when it can."""
    return _connected.check(supplier=supplier, operation=operation)


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
    _connected.handler(fault=fault, operation=operation, payload=payload, at=at)
