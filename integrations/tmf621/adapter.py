"""The TMF621 supplier plugged into the spine: which request each domain operation becomes, what
the supplier's answers mean, and how a stored event or ticket is applied (the listener's
`inbound`).

Every request is built inside the domain transaction, when the supplier may not have given its
ticket id yet (a comment written just after the raise): such a path is stored as
`troubleTicket/{ticketId}` and `prepare_request` fills it in at delivery, from the fault's
`maintainer_fault_reference`. The raise is first in the fault's line, so by then it has been
answered; if its answer brought no id, the attempt waits (`RequestNotReady`) for the events that
will.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

from requests.auth import AuthBase

from faults.choices import PartnerOperation
from faults.errors import FaultValidationError
from faults.models import Fault, FaultAttachment, FaultComment
from faults.services import (
    Actor,
    SupplierReport,
    fault_apply_supplier_report,
)
from integrations.adapters import (
    PartnerAdapter,
    RequestCannotBeSent,
    RequestNotReady,
    UnsupportedOperation,
    outbound_anomaly,
    outbound_raise_refused,
)
from integrations.choices import OutboundStatus
from integrations.http import CallResult, OutboundRequest, Outcome
from integrations.models import InboundMessage, OutboundMessage, Partner
from integrations.tmf621 import builders
from integrations.tmf621.auth import partner_token_auth
from integrations.tmf621.calls import read_json, refusal_reason
from integrations.tmf621.mapping import UNKNOWN, from_tmf, reason_with_prefix
from integrations.tmf621.models import Tmf621Connection
from integrations.tmf621.schema import InvalidMessage
from integrations.tmf621.tickets import parse_time

TICKET_ID = "{ticketId}"
CREATE, PATCH, RETRIEVE = "createTroubleTicket", "patchTroubleTicket", "retrieveTroubleTicket"
JSON_HEADERS = {"Accept": "application/json"}
# TMF error answers (v4 `Error`) and what they mean for the message that got them.
ANSWERS = {
    400: Outcome.FINAL,  # invalid request
    404: Outcome.FINAL,  # no such ticket
    409: Outcome.FINAL,  # conflict with the ticket's state
    422: Outcome.FINAL,  # unprocessable
    401: Outcome.CREDENTIALS_REFUSED,  # after the one token renewal (auth.TokenAuth)
    429: Outcome.RETRY,  # too many requests
}
# The ticket fields that name a fault field the agent can correct.
_AGENT_FIELDS = {
    "description": "description",
    "priority": "priority",
    "relatedEntity": "service_id",
}
_DATE_FIELDS = ("statusChangeDate", "lastUpdate", "creationDate")


def ticket_path(ticket_id: str) -> str:
    return f"troubleTicket/{quote(ticket_id, safe='')}"


def _sent_at(ticket: dict[str, Any]) -> datetime | None:
    """When the ticket's state was set, by the supplier's clock (so an event sent later wins)."""
    for name in _DATE_FIELDS:
        value = ticket.get(name)
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            if parsed.tzinfo is not None:
                return parsed
    return None


def _agent_error(fault: Fault, exc: InvalidMessage) -> FaultValidationError:
    """What the agent reads when the fault cannot make a valid request: the problems, and each
    one under the fault field to correct where there is one."""
    errors: dict[str, list[str]] = {}
    for problem in exc.errors:
        top = re.split(r"[.\[:]", problem, maxsplit=1)[0]
        field = _AGENT_FIELDS.get(top)
        if field == "description" and "required" in problem:
            errors.setdefault(field, []).append("The supplier needs a description of the fault.")
        elif field:
            errors.setdefault(field, []).append(problem)
    return FaultValidationError(
        f"{fault.supplier} (TMF621) cannot take this as it is: {'; '.join(exc.errors)}",
        errors=errors,
    )


class Tmf621Adapter(PartnerAdapter):
    operations = frozenset(
        {
            PartnerOperation.RAISE,
            PartnerOperation.AMEND,
            PartnerOperation.COMMENT,
            PartnerOperation.CANCEL,
            PartnerOperation.RESOLUTION_ANSWER,
            PartnerOperation.REQUEST_UPDATE,
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
        if operation == PartnerOperation.REQUEST_UPDATE:
            return OutboundRequest(
                message_type=RETRIEVE, method="GET", path=self._path(fault), headers=JSON_HEADERS
            )
        try:
            body = self._body(fault, operation, payload, message_id)
        except InvalidMessage as exc:
            raise _agent_error(fault, exc) from exc
        if operation == PartnerOperation.RAISE:
            method, message_type, path = "POST", CREATE, "troubleTicket"
        else:
            method, message_type, path = "PATCH", PATCH, self._path(fault)
        return OutboundRequest(
            message_type=message_type,
            method=method,
            path=path,
            headers=JSON_HEADERS,
            body=json.dumps(body, ensure_ascii=False),
            content_type=builders.CONTENT_TYPE,
        )

    @staticmethod
    def _path(fault: Fault) -> str:
        reference = fault.maintainer_fault_reference
        return ticket_path(reference) if reference else f"troubleTicket/{TICKET_ID}"

    @staticmethod
    def _body(
        fault: Fault, operation: str, payload: dict[str, Any], message_id: str
    ) -> dict[str, Any]:
        if operation == PartnerOperation.RAISE:
            return builders.build_create(fault=fault, attachments=fault.attachments.all())
        if operation == PartnerOperation.AMEND:
            attachments = FaultAttachment.objects.filter(
                fault=fault, pk__in=payload.get("attachment_ids", [])
            )
            return builders.build_amend(
                fault=fault,
                message_id=message_id,
                changes=payload.get("changes", {}),
                attachments=attachments,
                appointment=payload.get("appointment"),
            )
        if operation == PartnerOperation.COMMENT:
            comment = FaultComment.objects.select_related("author").get(pk=payload["comment_id"])
            return builders.build_comment(comment=comment)
        if operation == PartnerOperation.CANCEL:
            return builders.build_cancel(reason=payload.get("reason", ""))
        if operation == PartnerOperation.RESOLUTION_ANSWER:
            return builders.build_resolution_answer(
                accepted=payload["accepted"],
                reason=payload.get("reason", ""),
                message_id=message_id,
            )
        raise UnsupportedOperation(f"TMF621 has no request for '{operation}'.")

    def prepare_request(
        self, message: OutboundMessage, request: OutboundRequest
    ) -> OutboundRequest:
        if TICKET_ID not in request.path:
            return request
        reference = (
            Fault.objects.filter(pk=message.fault_id)
            .values_list("maintainer_fault_reference", flat=True)
            .first()
        )
        if not reference and self._raise_refused(message):
            raise RequestCannotBeSent(
                "the supplier refused our raise, so it has no ticket for this fault"
            )
        if not reference:
            raise RequestNotReady(
                "the supplier's ticket id is not known yet (its answer to our raise, or an "
                "event, brings it)"
            )
        return replace(request, path=request.path.replace(TICKET_ID, quote(reference, safe="")))

    @staticmethod
    def _raise_refused(message: OutboundMessage) -> bool:
        return OutboundMessage.objects.filter(
            fault_id=message.fault_id,
            partner_id=message.partner_id,
            operation=PartnerOperation.RAISE,
            status=OutboundStatus.REFUSED,
        ).exists()

    def session_auth(self, partner: Partner) -> AuthBase:
        return partner_token_auth(partner)

    # --- answers -----------------------------------------------------------------------------
    def classify(self, message: OutboundMessage, result: CallResult) -> Outcome | None:
        status = result.status_code
        if status is None:
            return None
        if status >= 500:
            return Outcome.RETRY
        return ANSWERS.get(status)

    def on_delivered(self, message: OutboundMessage, result: CallResult) -> None:
        if message.operation == PartnerOperation.RAISE:
            self._record_ticket(message, result)
        elif message.operation == PartnerOperation.REQUEST_UPDATE:
            self._store_ticket(message, result)

    def _record_ticket(self, message: OutboundMessage, result: CallResult) -> None:
        """The created ticket: its id becomes the fault's supplier reference, its status ours."""
        ticket = read_json(result.body)
        if not isinstance(ticket, dict) or not isinstance(ticket.get("id"), str):
            outbound_anomaly(
                message,
                "The supplier took our raise but its answer names no ticket id; messages that "
                "need it wait for its events.",
                http_status=result.status_code,
            )
            return
        word = ticket.get("status")
        holds_pause_sla = (
            Tmf621Connection.objects.filter(partner_id=message.partner_id)
            .values_list("holds_pause_sla", flat=True)
            .first()
        )
        mapped = from_tmf(word, holds_pause_sla=bool(holds_pause_sla)) if word else UNKNOWN
        anomalies = ()
        if word and mapped == UNKNOWN:
            anomalies = ((f"The supplier answered our raise with status '{word}'.", {}),)
        report = SupplierReport(
            sent_at=_sent_at(ticket),
            status=mapped.status,
            status_reason=reason_with_prefix(mapped, str(ticket.get("statusChangeReason") or "")),
            maintainer_fault_reference=ticket["id"],
            anomalies=anomalies,
            # A supplier may promise a fix time as it takes the fault.
            expected_resolution_at=parse_time(ticket.get("expectedResolutionDate")),
        )
        fault_apply_supplier_report(
            fault_id=message.fault_id, report=report, actor=Actor.partner(message.message_id)
        )

    def _store_ticket(self, message: OutboundMessage, result: CallResult) -> None:
        """The ticket read back (reconciliation) goes to the inbox like an event: applied once."""
        ticket = read_json(result.body)
        if not isinstance(ticket, dict):
            outbound_anomaly(
                message, "The supplier's answer to our request for the ticket is not a ticket."
            )
            return
        from integrations.tmf621 import inbound

        stored = inbound.store_ticket(partner=message.partner, ticket=ticket, source="get")
        if stored is None:
            outbound_anomaly(
                message,
                f"The ticket the supplier sent back ({ticket.get('id')}) names no fault of ours.",
            )

    def on_refused(self, message: OutboundMessage, result: CallResult) -> None:
        reason = refusal_reason(result)
        message.last_error = reason
        if message.operation == PartnerOperation.RAISE:
            outbound_raise_refused(message, reason)
        elif result.status_code is None:  # refused here, never sent (RequestCannotBeSent)
            action = PartnerOperation(message.operation).label.lower()
            why = reason.removeprefix("not sent: ")
            outbound_anomaly(message, f"Our request ({action}) was not sent: {why}")
        else:
            action = PartnerOperation(message.operation).label.lower()
            outbound_anomaly(
                message,
                f"The supplier refused our request ({action}): {reason}",
                http_status=result.status_code,
            )

    # --- in ----------------------------------------------------------------------------------
    def apply_inbound(self, message: InboundMessage) -> None:
        from integrations.tmf621 import inbound

        inbound.apply_inbound(message)
