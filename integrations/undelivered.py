"""A message that will not get there unless someone acts, said the way an agent needs it: what
did not get through, why (the partner's reason, already in words: the protocol package writes it
so), and what to do next.

Two ways a message ends there: the partner refused it (a final 4xx: sending the same message
again gets the same answer until the cause is fixed), or it was never answered after the last
attempt (dead: the partner was unreachable). A refused raise is not one of them: it rejects the
fault, which the queue shows among the rejected faults with the same reason.

Two kinds of partner receive our messages: the fault's supplier (our calls: raise, amend,
comment…) and subscribers, partners that only hear about our faults (the TMF621 hub's event
deliveries). The agent's queue shows the messages to the fault's supplier that need an agent in
a section of their own and the wallboard counts them (`undelivered_outbound_messages`); a
subscriber's are not about working the fault, so only integration health lists them, per
partner, with every other partner's (`outbound_needing_agent`, `integrations.health`).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.db.models import F, Q, QuerySet

from faults.choices import PartnerOperation
from faults.models import Fault
from integrations.models import OutboundMessage
from integrations.packages import non_supplying_protocols


class StoredMessage(Protocol):
    """What this module reads of an outbound message row (the integration layer's model, which
    says which ones need an agent)."""

    pk: int
    partner_id: int
    fault_id: int | None
    operation: str
    message_type: str
    payload: dict[str, Any]
    attempts: int
    response_code: int | None
    last_error: str
    updated_at: datetime
    fault: Fault | None
    partner: Any

    @property
    def refused(self) -> bool:
        """Refused by the partner; otherwise, needing an agent, it is dead (never answered)."""
        ...


_WHAT = {
    PartnerOperation.RAISE: "Raising the fault",
    PartnerOperation.AMEND: "An amendment of the fault",
    PartnerOperation.COMMENT: "A comment",
    PartnerOperation.CANCEL: "The cancellation of the fault",
    PartnerOperation.REQUEST_UPDATE: "A request for a full update",
    # A file sent on its own ahead of the message that refers to it (TEP's PostAttachment).
    "attachment": "A file for the supplier",
}
_AFTER_REFUSAL = {
    "accepted": (
        "The fault is closed here, but the supplier has not recorded our acceptance and may "
        "still count the fault against us or close it on its own later."
    ),
    "rejected": (
        "The fault is re-opened here, but the supplier has not recorded our rejection and "
        "will close the fault as accepted after its deadline unless it hears from us."
    ),
    PartnerOperation.AMEND: "The supplier still works from the fault as it was before.",
    PartnerOperation.COMMENT: "The supplier has not seen the comment.",
    PartnerOperation.CANCEL: "The supplier still works on the fault.",
    PartnerOperation.REQUEST_UPDATE: "Nothing is lost: the supplier's next update may follow.",
    "attachment": "The supplier has not received the file; the message it went with was sent "
    "without it.",
}


def _what(message: StoredMessage) -> str:
    if message.operation == PartnerOperation.RESOLUTION_ANSWER:
        accepted = bool((message.payload or {}).get("accepted"))
        return "Our acceptance of the resolution" if accepted else "Our rejection of the resolution"
    return _WHAT.get(message.operation, message.operation)


def _consequence(message: StoredMessage) -> str:
    key: str = message.operation
    if message.operation == PartnerOperation.RESOLUTION_ANSWER:
        key = "accepted" if (message.payload or {}).get("accepted") else "rejected"
    return _AFTER_REFUSAL.get(key, "")


@dataclass(frozen=True)
class UndeliveredMessage:
    """One row of the queue's "could not be delivered" section."""

    message: StoredMessage
    what: str
    outcome: str
    reason: str
    consequence: str
    next_steps: tuple[str, ...]

    @property
    def pk(self) -> int:
        return self.message.pk

    @property
    def fault(self) -> Fault | None:
        return self.message.fault

    @property
    def refused(self) -> bool:
        return self.message.refused


def to_subscriber(message: StoredMessage) -> bool:
    """Whether the message went to a subscriber (a partner that only hears about our faults)
    rather than to a supplier: about a fault, to anyone but the fault's supplier; about none, to
    a partner that is no supplier."""
    if message.fault_id is not None and message.fault is not None:
        return message.partner_id != message.fault.supplier_id
    return not message.partner.is_supplier


def describe_undelivered(message: StoredMessage) -> UndeliveredMessage:
    """What an agent reads about a dead or refused message, and what they can do."""
    if to_subscriber(message):
        return _describe_to_subscriber(message)
    if message.refused:
        code = f" (HTTP {message.response_code})" if message.response_code else ""
        outcome = f"Refused by the supplier{code}"
        reason = message.last_error or "The supplier gave no reason."
        next_steps = (
            "Sending it again as it is will be refused again: fix what the reason names "
            "(amend the fault if it is the fault's data), then retry.",
            "Or contact the supplier, settle it with them, and dismiss this message.",
        )
    else:
        attempts = message.attempts
        outcome = f"Not delivered after {attempts} attempt{'' if attempts == 1 else 's'}"
        reason = message.last_error or "The supplier did not answer."
        next_steps = (
            "Retry once the supplier is reachable again (integration health shows when it "
            "last answered).",
            "Or contact the supplier, pass it on another way, and dismiss this message.",
        )
    return UndeliveredMessage(
        message=message,
        what=_what(message),
        outcome=outcome,
        reason=reason,
        consequence=_consequence(message),
        next_steps=next_steps,
    )


def _describe_to_subscriber(message: StoredMessage) -> UndeliveredMessage:
    """An event for a subscriber: the fault and its supplier are not concerned, only what the
    subscriber knows of the fault."""
    if message.refused:
        code = f" (HTTP {message.response_code})" if message.response_code else ""
        outcome = f"Refused by the subscriber{code}"
        reason = message.last_error or "The subscriber gave no reason."
        next_steps = (
            "Sending it again as it is will be refused again: ask the subscriber to fix its "
            "listener, then retry.",
            "Or dismiss it: the subscriber can read the fault as it is now through our API.",
        )
    else:
        attempts = message.attempts
        outcome = f"Not delivered after {attempts} attempt{'' if attempts == 1 else 's'}"
        reason = message.last_error or "The subscriber's listener did not answer."
        next_steps = (
            "Retry once the subscriber's listener is reachable again.",
            "Or dismiss it: the subscriber can read the fault as it is now through our API.",
        )
    return UndeliveredMessage(
        message=message,
        what=f"The event {message.message_type} for the subscriber {message.partner}",
        outcome=outcome,
        reason=reason,
        consequence=(
            "The subscriber has not heard of this change of the fault (nor, until it is "
            "delivered, of any later one); the fault and its supplier are not affected."
        ),
        next_steps=next_steps,
    )


def outbound_needing_agent() -> QuerySet[OutboundMessage]:
    """Every partner's messages that will not get there unless someone acts, not yet
    dismissed, newest first: the outbox's one rule (`needing_agent`), which integration health
    lists per partner, suppliers and subscribers alike, and retry and dismiss act on."""
    return (
        OutboundMessage.objects.needing_agent()
        .select_related("partner", "fault")
        .defer("body", "response_body")
        .order_by("-updated_at", "-id")
    )


def undelivered_outbound_messages() -> QuerySet[OutboundMessage]:
    """Of `outbound_needing_agent`, the messages to a fault's supplier (or, about no fault, to a
    supplier): the agent's queue section and the wallboard's count. An event for a subscriber is
    not: the agent cannot settle it with the supplier, and the fault does not wait for it. A
    refused raise is not one either: it rejected its fault, which the rejected section shows with
    the same reason."""
    return outbound_needing_agent().filter(
        Q(fault__isnull=False, partner_id=F("fault__supplier_id"))
        | (Q(fault__isnull=True) & ~Q(partner__protocol__in=non_supplying_protocols()))
    )


def undelivered_first(limit: int) -> list[UndeliveredMessage]:
    return [describe_undelivered(m) for m in undelivered_outbound_messages()[:limit]]
