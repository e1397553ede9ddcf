"""Partner adapters behind one small base class and a registry (style §6): the spine (outbox,
inbox, retries, partner security) is protocol-neutral; each protocol package plugs in one
adapter that knows its messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from faults.models import Fault
    from integrations.http import CallResult
    from integrations.models import InboundMessage, OutboundMessage


@dataclass(frozen=True)
class OutboundDraft:
    message_type: str
    body: str


class UnsupportedOperation(Exception):
    """The partner's protocol has no message for this operation."""


class PartnerAdapter:
    protocol: ClassVar[str]

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


_registry: dict[str, PartnerAdapter] = {}


def register(adapter_class: type[PartnerAdapter]) -> type[PartnerAdapter]:
    _registry[adapter_class.protocol] = adapter_class()
    return adapter_class


def get_adapter(protocol: str) -> PartnerAdapter:
    try:
        return _registry[protocol]
    except KeyError:
        raise UnsupportedOperation(f"No adapter for protocol '{protocol}'.") from None
