"""TEP plugged into the spine's outbox: which SOAP request each domain operation becomes, what
TEP's answers and fault codes mean for the message, and how a stored ticket from a partner is
applied (`inbound`).

PostAttachment before PostTicket: a message that carries files queues one PostAttachment per
file just before itself, in the fault's line (delivered in the order written), and its stored
PostTicket is completed with the AttachmentUris TEP answered them with just before each
attempt (`prepare_request`).

Each message gets a fresh SystemTransactionID when it is built, written into the stored body
(so a retry sends its own) and kept, unique, on its `TepTransaction`.

Fault codes (seed 000): 1000-1999 unavailable or locked, retried with the outbox's backoff
like a 503; 2000-2999 (2100 authorisation) stop everything to the partner until an admin
restores it, as refused credentials do; 3000-3999 validation are final, with TEP's message
shown to the agent; 3100 on an update means the partner purged its ticket: recorded on the
fault, and nothing more is sent about it; 4000-5000 final.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from django.utils import timezone

from faults.choices import EventKind, PartnerOperation
from faults.errors import FaultValidationError
from faults.models import Fault, FaultAttachment
from faults.services import Actor, fault_partner_ticket_purged
from faults.services.audit import fault_event_record
from integrations.adapters import (
    PartnerAdapter,
    RequestCannotBeSent,
    UnsupportedOperation,
    outbound_anomaly,
    outbound_raise_refused,
)
from integrations.http import CallResult, OutboundRequest, Outcome
from integrations.models import InboundMessage, OutboundMessage, Partner
from integrations.outbox import new_message_id, outbox_enqueue
from integrations.tep import outgoing, soap, tickets
from integrations.tep.faults import TICKET_NOT_FOUND, FaultFamily, TepFault, code_name
from integrations.tep.messages import (
    Attachment,
    AttachmentUri,
    MessageType,
    PostTicketResponse,
    new_system_transaction_id,
)
from integrations.tep.models import TepConnection, TepMessageKind, TepTransaction
from integrations.tep.profiles import ProfileError, profile_for
from integrations.tep.schema import ATTACHMENT_EXTENSIONS
from integrations.xml import XmlRejected

# The outbox operation of a PostAttachment (a part of the domain operation it goes with).
ATTACHMENT_OPERATION = "attachment"
_OUTCOMES = {
    FaultFamily.UNAVAILABLE: Outcome.RETRY,
    FaultFamily.CONFIGURATION: Outcome.CREDENTIALS_REFUSED,
    FaultFamily.VALIDATION: Outcome.FINAL,
    FaultFamily.ERROR: Outcome.FINAL,
    FaultFamily.UNKNOWN: Outcome.FINAL,
}


def fault_reason(fault: TepFault) -> str:
    """A TEP fault in words for the agent and the admin: its message, then what it is."""
    name = code_name(fault.code)
    what = f"TEP {fault.fault_type} {fault.code}{f' {name}' if name else ''}"
    return f"{fault.message} ({what})" if fault.message and fault.message != name else what


def _connection(partner: Partner) -> TepConnection:
    try:
        return partner.tep_connection
    except TepConnection.DoesNotExist:
        raise FaultValidationError(
            f"{partner} has no TEP setup yet (our and its TEP PartnerIDs): an admin must add "
            "its TEP connection before faults can be sent to it."
        ) from None


class TepAdapter(PartnerAdapter):
    # No request-update: TEP has no call that reads a ticket back (the reconciliation sweep
    # leaves TEP partners alone; their updates come to us).
    operations = frozenset(
        {
            PartnerOperation.RAISE,
            PartnerOperation.AMEND,
            PartnerOperation.COMMENT,
            PartnerOperation.CANCEL,
            PartnerOperation.RESOLUTION_ANSWER,
        }
    )

    # --- out ---------------------------------------------------------------------------------
    def build_outbound(
        self,
        *,
        fault: Fault,
        operation: str,
        payload: dict[str, Any],
        message_id: str,
        at: datetime,
    ) -> OutboundRequest:
        if operation not in self.operations:
            raise UnsupportedOperation(f"TEP has no message for '{operation}'.")
        partner = fault.supplier
        connection = _connection(partner)
        try:
            profile = profile_for(partner)
        except ProfileError as exc:
            raise FaultValidationError(
                f"{partner}'s TEP profile cannot be used: {exc}. An admin must correct it."
            ) from exc
        ids = tickets.TicketIds(
            system_transaction_id=new_system_transaction_id(), tracking_reference=message_id
        )
        ticket = tickets.build_ticket(
            fault=fault,
            operation=operation,
            payload=payload,
            connection=connection,
            profile=profile,
            ids=ids,
            at=at,
        )
        try:
            request = outgoing.post_ticket(ticket)
        except TepFault as exc:
            raise FaultValidationError(
                f"{partner} (TEP) cannot take this as it is: {exc.message}"
            ) from exc
        for file in tickets.files_to_post(fault, operation, payload):
            self._queue_attachment(fault=fault, file=file, for_message_id=message_id, at=at)
        TepTransaction.objects.create(
            outbound_id=message_id,
            kind=TepMessageKind.TICKET,
            system_transaction_id=ids.system_transaction_id,
            tracking_reference=ids.tracking_reference,
            message_type=ticket.message_type,
        )
        return request

    def _queue_attachment(
        self, *, fault: Fault, file: FaultAttachment, for_message_id: str, at: datetime
    ) -> None:
        """One PostAttachment, queued in the fault's line before the ticket message it goes
        with (written first, so delivered first). A file TEP would refuse is left out, said."""
        extension = file.filename.rsplit(".", 1)[-1].lower() if "." in file.filename else ""
        if extension not in ATTACHMENT_EXTENSIONS:
            fault_event_record(
                fault=fault,
                kind=EventKind.ANOMALY,
                actor=Actor.system("tep"),
                at=at,
                message=f"{file.filename} is not sent to {fault.supplier}: TEP accepts no "
                f"'.{extension or '(none)'}' files.",
                data={"attachment_id": file.pk},
            )
            return
        try:
            with file.file.open("rb") as stored:
                content = stored.read()
        except OSError as exc:
            fault_event_record(
                fault=fault,
                kind=EventKind.ANOMALY,
                actor=Actor.system("tep"),
                at=at,
                message=f"{file.filename} is not sent to {fault.supplier}: its file cannot be "
                f"read here ({exc.strerror or exc}).",
                data={"attachment_id": file.pk},
            )
            return
        system_transaction_id = new_system_transaction_id()
        try:
            request = outgoing.post_attachment(
                Attachment(
                    filename=file.filename,
                    payload=content,
                    system_transaction_id=system_transaction_id,
                )
            )
        except TepFault as exc:
            raise FaultValidationError(
                f"{file.filename} cannot be sent to {fault.supplier} (TEP): {exc.message}"
            ) from exc
        message_id = new_message_id()
        TepTransaction.objects.create(
            outbound_id=message_id,
            kind=TepMessageKind.ATTACHMENT,
            system_transaction_id=system_transaction_id,
            for_message_id=for_message_id,
            fault_attachment_id=file.pk,
            filename=file.filename,
        )
        outbox_enqueue(
            partner=fault.supplier,
            fault=fault,
            operation=ATTACHMENT_OPERATION,
            payload={"attachment_id": file.pk, "for_message_id": for_message_id},
            request=request,
            at=at,
            message_id=message_id,
        )

    def prepare_request(
        self, message: OutboundMessage, request: OutboundRequest
    ) -> OutboundRequest:
        if self._purged(message):
            raise RequestCannotBeSent(
                f"{message.partner} purged its ticket for this fault (TEP fault 3100): nothing "
                "more is sent to it about the fault"
            )
        if message.message_type != outgoing.POST_TICKET:
            return request
        files = list(
            TepTransaction.objects.filter(
                for_message_id=message.message_id, kind=TepMessageKind.ATTACHMENT
            )
            .exclude(uri="")
            .order_by("id")
        )
        if not files:
            return request
        uris = [AttachmentUri(filename=file.filename, uri=file.uri) for file in files]
        return outgoing.with_attachments(request, uris)

    @staticmethod
    def _purged(message: OutboundMessage) -> bool:
        if message.fault_id is None:
            return False
        # Whatever became of the message TEP answered so (an agent may have retried it).
        return TepTransaction.objects.filter(
            outbound__fault_id=message.fault_id,
            outbound__partner_id=message.partner_id,
            message_type=MessageType.UPDATE,
            fault_code=TICKET_NOT_FOUND,
        ).exists()

    # --- answers -----------------------------------------------------------------------------
    def classify(self, message: OutboundMessage, result: CallResult) -> CallResult | None:
        if result.status_code is None or not result.body:
            return None  # no answer, or no SOAP: the spine's default for the HTTP status
        fault = soap.fault_from_envelope(result.body)
        if fault is None:
            return None
        TepTransaction.objects.filter(outbound_id=message.message_id).update(
            fault_code=fault.code, fault_message=fault.message[:4000]
        )
        return replace(result, outcome=_OUTCOMES[fault.family], error=fault_reason(fault))

    def on_delivered(self, message: OutboundMessage, result: CallResult) -> None:
        sent = TepTransaction.objects.filter(outbound_id=message.message_id).first()
        if sent is None:
            return
        try:
            answer = outgoing.read_answer(result.body, message.message_type)
            if isinstance(answer, AttachmentUri):
                sent.uri, sent.filename = answer.uri, answer.filename or sent.filename
                sent.save(update_fields=["uri", "filename"])
            elif isinstance(answer, PostTicketResponse):
                sent.interaction_id = answer.interaction_id
                sent.save(update_fields=["interaction_id"])
        except (XmlRejected, TepFault, ValueError) as exc:
            what = "file" if sent.kind == TepMessageKind.ATTACHMENT else "ticket message"
            after = (
                "the ticket message goes without it"
                if sent.kind == TepMessageKind.ATTACHMENT
                else "its receipts are matched by our tracking reference"
            )
            outbound_anomaly(
                message,
                f"TEP took our {what} ({message.message_type} {message.message_id}) but its "
                f"answer cannot be read ({exc}); {after}.",
                http_status=result.status_code,
            )

    def on_refused(self, message: OutboundMessage, result: CallResult) -> None:
        fault = soap.fault_from_envelope(result.body) if result.body else None
        reason = result.error or (fault_reason(fault) if fault else f"HTTP {result.status_code}")
        message.last_error = reason
        if message.fault_id is None:
            return
        sent = TepTransaction.objects.filter(outbound_id=message.message_id).first()
        if fault is not None and fault.purged and sent and sent.message_type != MessageType.NEW:
            message.last_error = (
                f"{message.partner} no longer has its ticket for this fault: it was purged "
                f"there ({fault_reason(fault)}). Not sent again."
            )
            fault_partner_ticket_purged(
                fault_id=message.fault_id,
                partner_name=str(message.partner),
                reason=fault_reason(fault),
                actor=Actor.partner(message.message_id),
                at=timezone.now(),
            )
        elif message.operation == PartnerOperation.RAISE:
            outbound_raise_refused(message, reason)
        elif result.status_code is None:  # refused here, never sent (RequestCannotBeSent)
            if self._purged(message):
                return  # the fault's timeline already says the partner purged its ticket
            outbound_anomaly(message, f"Our {message.message_type} was not sent: {reason}")
        else:
            outbound_anomaly(
                message,
                f"TEP refused our {message.message_type} ({message.message_id}): {reason}",
                http_status=result.status_code,
            )

    # --- in ----------------------------------------------------------------------------------
    def apply_inbound(self, message: InboundMessage) -> None:
        from integrations.tep import inbound

        inbound.apply_ticket(message)
