"""A message to the supplier that will not get there unless an agent acts, said the way an agent
needs it: what did not get through, why (the supplier's reason, already in words: the protocol
package writes it so), and what to do next.

Two ways a message ends there: the supplier refused it (a final 4xx: sending the same message
again gets the same answer until the cause is fixed), or it was never answered after the last
attempt (dead: the supplier was unreachable). A refused raise is not one of them: it rejects the
fault, which the queue shows among the rejected faults with the same reason.

The agent's queue shows them in a section of their own, the wallboard counts them and
integration health lists them per partner (`integrations.contributions`, `integrations.health`).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.db.models import QuerySet

from faults.choices import PartnerOperation
from faults.models import Fault
from integrations.models import OutboundMessage


class StoredMessage(Protocol):
    """What this module reads of an outbound message row (the integration layer's model, which
    says which ones need an agent)."""

    pk: int
    operation: str
    message_type: str
    payload: dict[str, Any]
    attempts: int
    response_code: int | None
    last_error: str
    updated_at: datetime
    fault: Fault | None

    @property
    def refused(self) -> bool:
        """Refused by the supplier; otherwise, needing an agent, it is dead (never answered)."""
        ...


_WHAT = {
    PartnerOperation.RAISE: "Raising the fault",
    PartnerOperation.AMEND: "An amendment of the fault",
    PartnerOperation.COMMENT: "A comment",
    PartnerOperation.CANCEL: "The cancellation of the fault",
    PartnerOperation.REQUEST_UPDATE: "A request for a full update",
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


def describe_undelivered(message: StoredMessage) -> UndeliveredMessage:
    """What an agent reads about a dead or refused message, and what they can do."""
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


def undelivered_outbound_messages() -> QuerySet[OutboundMessage]:
    """Messages to a supplier that will not get there unless an agent acts, not yet dismissed,
    newest first: the outbox's one rule (`needing_agent`), which integration health counts and
    retry and dismiss act on. A refused raise is not one: it rejected its fault, which the
    rejected section shows with the same reason."""
    return (
        OutboundMessage.objects.needing_agent()
        .select_related("partner", "fault")
        .defer("body", "response_body")
        .order_by("-updated_at", "-id")
    )


def undelivered_first(limit: int) -> list[UndeliveredMessage]:
    return [describe_undelivered(m) for m in undelivered_outbound_messages()[:limit]]
