"""Partner adapters behind one small base class (style §6): the spine (outbox, inbox, retries,
partner security) is protocol-neutral; each protocol package declares one adapter that knows its
messages in its `package.py` (`integrations.packages`), and `get_adapter` finds it there."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils import timezone

from faults.choices import EventKind, PartnerOperation
from faults.models import Fault
from faults.services import Actor, fault_apply_supplier_status
from faults.services.audit import fault_event_record
from integrations.http import CallResult, OutboundRequest, Outcome
from integrations.packages import adapter_for, protocol_label

if TYPE_CHECKING:
    from requests.auth import AuthBase

    from integrations.models import InboundMessage, OutboundMessage, Partner

__all__ = [
    "CallResult",
    "OutboundRequest",
    "Outcome",
    "PartnerAdapter",
    "RequestCannotBeSent",
    "RequestNotReady",
    "UnsupportedOperation",
    "get_adapter",
    "outbound_anomaly",
    "outbound_raise_refused",
    "partner_call_refusal",
]


class UnsupportedOperation(Exception):
    """The partner's protocol has no message for this operation."""


class RequestNotReady(Exception):
    """`PartnerAdapter.prepare_request` cannot complete the request yet (it needs something an
    earlier message brings, e.g. the partner's ticket id): the attempt counts as a retry."""


class RequestCannotBeSent(Exception):
    """`PartnerAdapter.prepare_request` finds the request can never be completed (the partner
    refused the raise, so there is no ticket to address it to): the message is refused without
    being sent, with this reason, in front of an agent, instead of being retried until it dies."""


class PartnerAdapter:
    # The domain operations (faults.choices.PartnerOperation) `build_outbound` has a message for.
    operations: ClassVar[frozenset[str]] = frozenset()
    # True when `apply_inbound` only reads the message and writes this database (no call to the
    # partner, no file stored): the inbox may then apply a burst of such messages together and,
    # should one fail, undo them all and apply them again one by one (`integrations.inbox`).
    # False (the default) applies each in a savepoint of its own, tried once per attempt.
    inbound_apply_is_local: ClassVar[bool] = False

    def build_outbound(
        self,
        *,
        fault: Fault,
        operation: str,
        payload: dict[str, Any],
        message_id: str,
        at: datetime,
    ) -> OutboundRequest:
        """The exact request for a domain operation to the fault's supplier; runs inside the
        domain transaction. The outbox stores it and sends it, as built, on every attempt."""
        raise NotImplementedError

    def prepare_request(
        self, message: OutboundMessage, request: OutboundRequest
    ) -> OutboundRequest:
        """The request to send on this attempt, from the stored one (which is not changed); the
        outbox calls it just before each attempt. A request built inside the domain transaction
        may need what only an earlier delivery brings, e.g. the partner's id for the ticket
        (TMF621 stores `troubleTicket/{ticketId}` and fills it in here). Raise `RequestNotReady`
        when it cannot be completed yet: the attempt is retried later."""
        return request

    def session_auth(self, partner: Partner) -> AuthBase | None:
        """The authentication every call to the partner carries, set on its session by
        `integrations.http.partner_session` (the outbox, the adapter's own calls, admin calls),
        e.g. an access token fetched and renewed by a `requests.auth.AuthBase`. None: the
        session's transport (client certificate) is all there is. An auth that cannot get
        credentials the partner accepts raises `integrations.http.CredentialsRefused`."""
        return None

    def classify(self, message: OutboundMessage, result: CallResult) -> Outcome | CallResult | None:
        """What the partner's answer means, when the protocol says more than the HTTP status
        (e.g. a SOAP fault answered with HTTP 500 whose code says "do not retry" is
        `Outcome.FINAL`); None leaves the spine's default (`result.outcome`). A `CallResult`
        replaces the result, to give the outcome with the protocol's reason in words as its
        `error` (what the row's last error, and a partner flagged for refused credentials,
        say). Called for every attempt, failures without an answer included
        (`result.status_code` is None)."""
        return None

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


def outbound_anomaly(message: OutboundMessage, text: str, **data: Any) -> None:
    """Put what went wrong with one of our messages on its fault's timeline, as the partner's
    answer to it (an anomaly entry naming the message); nothing for a message of no fault."""
    if not message.fault_id:
        return
    fault_event_record(
        fault=Fault.objects.get(pk=message.fault_id),
        kind=EventKind.ANOMALY,
        actor=Actor.partner(message.message_id),
        at=timezone.now(),
        message=text,
        data={"outbound_id": message.pk, **data},
    )


def outbound_raise_refused(message: OutboundMessage, reason: str) -> None:
    """The partner refused our raise for good: the fault is rejected, with its words, as if the
    supplier had rejected it (the agent corrects it and raises it again)."""
    fault_apply_supplier_status(
        fault_id=message.fault_id,
        status="rejected",
        actor=Actor.partner(message.message_id),
        reason=reason[:4000],
    )
