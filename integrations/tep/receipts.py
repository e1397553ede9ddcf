"""Receipts: what TEP says became of a ticket message we sent (validated, delivered, delayed,
failed…). Both receive modes hand each receipt here (polling: GetReceipt; hosted: PostReceipt).

A receipt is matched to our message by its TrackingReference (ours, unique per message), or by
the InteractionID TEP answered our PostTicket with. It is kept on the message's TepTransaction,
once (TEP may send the same receipt again); a receipt saying the message will never reach the
partner is also put on the fault's timeline, where the agent sees it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from faults.choices import EventKind
from faults.models import Fault
from faults.services import Actor
from faults.services.audit import fault_event_record
from integrations.tep.models import TepTransaction

if TYPE_CHECKING:
    from integrations.models import Partner
    from integrations.tep.messages import Receipt

logger = logging.getLogger(__name__)

# The receipt statuses after which the partner will not get the message (TEP does not retry).
NOT_DELIVERED = frozenset(
    {"TEP_ValidationError", "TEP_ConfigurationError", "TEP_ProcessingError", "DeliveryFailed"}
)
_SAID = {
    "TEP_ValidationError": "TEP refused it as invalid",
    "TEP_ConfigurationError": "TEP could not route it (configuration)",
    "TEP_ProcessingError": "TEP failed to process it",
    "DeliveryFailed": "the partner's system failed to take it",
}


def receipt_data(receipt: Receipt) -> dict[str, Any]:
    """What we keep of a receipt (JSON)."""
    at = receipt.date_time
    return {
        "Status": str(receipt.status),
        "StatusMessage": receipt.status_message or "",
        "DateTime": at.isoformat() if at is not None else "",
        "InteractionID": receipt.interaction_id,
        "TrackingReference": receipt.tracking_reference or "",
    }


@transaction.atomic
def record_receipt(partner: Partner, receipt: Receipt) -> bool:
    """Keep the receipt on the message of ours it is about; False when none of this partner's
    messages matches it (logged: nothing to apply it to)."""
    match = Q()
    if receipt.tracking_reference:
        match |= Q(tracking_reference=receipt.tracking_reference)
    if receipt.interaction_id is not None:
        match |= Q(interaction_id=receipt.interaction_id)
    sent = (
        TepTransaction.objects.select_for_update(of=("self",))
        .select_related("outbound")
        .filter(match, outbound__partner=partner)
        .first()
        if match
        else None
    )
    if sent is None:
        logger.info(
            "TEP receipt from %s matches no message of ours (TrackingReference %r, InteractionID "
            "%r).",
            partner,
            receipt.tracking_reference,
            receipt.interaction_id,
        )
        return False
    data = receipt_data(receipt)
    if data in sent.receipts:
        return True  # the same receipt again
    sent.receipts = [*sent.receipts, data]
    fields = ["receipts"]
    if sent.interaction_id is None and receipt.interaction_id is not None:
        sent.interaction_id = receipt.interaction_id
        fields.append("interaction_id")
    sent.save(update_fields=fields)
    if receipt.status in NOT_DELIVERED and sent.outbound.fault_id is not None:
        _tell_the_agent(partner, sent, data)
    return True


def _tell_the_agent(partner: Partner, sent: TepTransaction, data: dict[str, Any]) -> None:
    outbound = sent.outbound
    detail = f": {data['StatusMessage']}" if data["StatusMessage"] else ""
    fault_event_record(
        fault=Fault.objects.get(pk=outbound.fault_id),
        kind=EventKind.ANOMALY,
        actor=Actor.partner(sent.system_transaction_id),
        at=timezone.now(),
        message=(
            f"Our {outbound.message_type} ({sent.message_type or sent.kind}, message "
            f"{outbound.message_id}) did not reach {partner}: {_SAID[data['Status']]}"
            f"{detail}."
        ),
        data={"outbound_id": outbound.pk, "tep_receipt": data},
    )
