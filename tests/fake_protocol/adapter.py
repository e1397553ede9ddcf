"""The fake protocol's adapter: every domain operation is one JSON document POSTed to
`<base_url>/<messageType>` (an `OutboundRequest`); a refused raise rejects its fault with the
partner's reason; a notification moves the fault's status through the faults services."""

from datetime import datetime
from typing import Any

from faults.choices import PartnerOperation
from faults.models import Fault
from faults.services import Actor, fault_apply_supplier_status
from faults.services.merge import UpdateEntry
from integrations.adapters import PartnerAdapter
from integrations.http import CallResult, OutboundRequest
from integrations.models import InboundMessage, OutboundMessage
from tests.fake_protocol import PROTOCOL, wire


def _fault_fields(fault: Fault) -> dict[str, Any]:
    return {
        "serviceId": fault.service_id,
        "faultType": fault.fault_type,
        "priority": fault.priority,
        "description": fault.description,
    }


class FakeAdapter(PartnerAdapter):
    protocol = PROTOCOL
    operations = frozenset(PartnerOperation.values)

    def build_outbound(
        self,
        *,
        fault: Fault,
        operation: str,
        payload: dict[str, Any],
        message_id: str,
        at: datetime,
    ) -> OutboundRequest:
        body = wire.outbound_body(
            message_id=message_id,
            operation=operation,
            sent_at=at,
            buyer_identifier=fault.buyer_identifier.code,
            buyer_fault_reference=fault.buyer_fault_reference,
            payload=payload,
            fault_fields=_fault_fields(fault) if operation == PartnerOperation.RAISE else None,
        )
        message_type = wire.message_type(operation)
        return OutboundRequest(
            message_type=message_type,
            method="POST",
            path=message_type,
            body=body,
            content_type=wire.CONTENT_TYPE,
        )

    def on_refused(self, message: OutboundMessage, result: CallResult) -> None:
        reason = str(wire.partner_answer(result.body).get("reason") or "")
        message.last_error = reason or f"HTTP {result.status_code}"
        if message.operation == PartnerOperation.RAISE and message.fault_id:
            fault_apply_supplier_status(
                fault_id=message.fault_id,
                status="rejected",
                actor=Actor.partner(message.message_id),
                reason=message.last_error[:4000],
            )

    def apply_inbound(self, message: InboundMessage) -> None:
        notification = wire.parse_notification(bytes(message.body))
        updates = (
            [UpdateEntry(notification.update, "partner", notification.sent_at)]
            if notification.update
            else []
        )
        fault_apply_supplier_status(
            fault_id=message.fault_id,
            status=notification.status,
            actor=Actor.partner(notification.message_id),
            sent_at=notification.sent_at,
            maintainer_fault_reference=notification.maintainer_fault_reference,
            updates=updates,
        )
