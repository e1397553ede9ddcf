"""Partner adapters behind one small base class (style §6): the spine (outbox, inbox, retries,
partner security) is protocol-neutral; each protocol package declares one adapter that knows its
messages in its `package.py` (`integrations.packages`), and `get_adapter` finds it there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from faults.choices import PartnerOperation
from integrations.packages import adapter_for, protocol_label

if TYPE_CHECKING:
    from faults.models import Fault
    from integrations.http import CallResult
    from integrations.models import InboundMessage, OutboundMessage, Partner


@dataclass(frozen=True)
class OutboundDraft:
    message_type: str
    body: str


class UnsupportedOperation(Exception):
    """The partner's protocol has no message for this operation."""


class PartnerAdapter:
    # The domain operations (faults.choices.PartnerOperation) `build_outbound` has a message for.
    operations: ClassVar[frozenset[str]] = frozenset()

    def build_outbound(
        self,
        *,
        fault: Fault,
        operation: str,
        payload: dict[str, Any],
        message_id: str,
        at: datetime,
    ) -> OutboundDraft:
        """The exact message for a domain operation; runs inside the domain transaction."""
        raise NotImplementedError

    def deliver(self, message: OutboundMessage) -> CallResult:
        """Send the stored message; the spine classifies and retries."""
        raise NotImplementedError

    def on_delivered(self, message: OutboundMessage, result: CallResult) -> None:
        """Act on a successful answer (inside the transaction that records it)."""

    def on_refused(self, message: OutboundMessage, result: CallResult) -> None:
        """Act on a final refusal (inside the transaction that records it)."""

    def apply_inbound(self, message: InboundMessage) -> None:
        """Apply a stored inbound message to the domain (inside the applying transaction)."""
        raise NotImplementedError


def partner_call_refusal(*, supplier: Partner, operation: str) -> str | None:
    """The integration side of `faults.ports.partner_call_refusal`: whether the partner's
    protocol has an enabled package whose adapter has a message for the operation, and if not,
    why."""
    adapter = adapter_for(supplier.protocol)
    protocol = protocol_label(supplier.protocol)
    if adapter is None:
        return (
            f"{supplier} uses the {protocol} protocol, which this product cannot send faults "
            "in yet: choose another supplier, or ask an admin to change its protocol."
        )
    if operation not in adapter.operations:
        action = PartnerOperation(operation).label if operation in PartnerOperation else operation
        return f"{supplier}'s protocol ({protocol}) has no message for '{action}'."
    return None


def get_adapter(protocol: str) -> PartnerAdapter:
    """The adapter of the protocol's enabled package."""
    adapter = adapter_for(protocol)
    if adapter is None:
        raise UnsupportedOperation(f"No enabled package for protocol '{protocol}'.")
    return adapter
