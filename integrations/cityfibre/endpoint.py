"""Receiving notifyFaultReportUpdate: the protocol's part of the inbound edge (parse hardened,
identify the fault, answer in its format); `integrations.edge` authenticates, limits and stores.
Nothing here applies the message; `integrations.inbox` does that after the answer."""

from dataclasses import dataclass

from django.http import HttpResponse
from django.utils import timezone
from lxml import etree

from integrations.cityfibre import builders, soap
from integrations.cityfibre.messages import Notification
from integrations.cityfibre.parsers import MessageUnreadable, parse_notification
from integrations.cityfibre.schema import schema_deviations
from integrations.edge import Identified, Subject, Unreadable, receive_message
from integrations.partner_cache import PartnerEdge
from integrations.security import Caller
from integrations.xml import XmlRejected, parse_xml

NOTIFY = "notifyFaultReportUpdate"
XML = soap.CONTENT_TYPE  # our answers are SOAP 1.1 envelopes, like our requests


@dataclass(frozen=True)
class Answer:
    """The webhook's answer without a request (`receive_notification`)."""

    http_status: int
    body: bytes


def answer_body(*, code: int, message_id: str, buyer_identifier: str, error: str | None) -> bytes:
    """Our receivedNotifyFaultReportUpdate in its SOAP envelope; builds without the database
    (the edge answers a database outage with it)."""
    element = builders.build_notify_response(
        buyer_identifier=buyer_identifier,
        message_id=message_id,
        sent_at=timezone.now(),
        response_code=code,
        error_message=error,
    )
    return soap.wrap(element)


@dataclass(frozen=True)
class ParsedNotification:
    element: etree._Element
    notification: Notification


class NotifyProtocol:
    """notifyFaultReportUpdate at the inbound edge (`integrations.edge`): XML, bare or in a
    SOAP 1.1 or 1.2 envelope; every answer a receivedNotifyFaultReportUpdate whose responseCode
    is the HTTP status. The subject is always our reference."""

    # SOAP 1.1 and 1.2, and application/xml, the type the supplier's document gives its bodies.
    content_types = frozenset({"text/xml", "application/xml", "application/soap+xml"})
    unknown_buyer_error = '{"buyerIdentifier": "Unknown buyer identifier"}'
    wrong_buyer_error = (
        '{"buyerIdentifier": "No fault with that reference under that buyer identifier"}'
    )
    unknown_fault_error = '{"buyerFaultReference": "No fault found with that reference"}'

    def parse(self, body: bytes) -> ParsedNotification:
        try:
            element = soap.unwrap(parse_xml(body))
        except (XmlRejected, soap.SoapFault) as exc:
            raise Unreadable(f"Unreadable XML: {exc}") from exc
        root = etree.QName(element).localname
        if root != NOTIFY:
            raise Unreadable(f"Expected {NOTIFY}, received {root}.")
        try:
            return ParsedNotification(element, parse_notification(element))
        except MessageUnreadable as exc:
            raise Unreadable(exc.reason) from exc

    def identify(self, message: ParsedNotification) -> Identified:
        notification = message.notification
        return Identified(
            message_type=NOTIFY,
            message_id=notification.message_id,
            subject=Subject(
                buyer_identifier=notification.buyer_identifier,
                # Always ours: an empty one is refused, never taken for a ticket they opened.
                buyer_fault_reference=notification.buyer_fault_reference or "",
            ),
            sent_at=notification.as_of,
            deviations=schema_deviations(message.element),
        )

    def answer(
        self,
        edge: PartnerEdge,
        message: ParsedNotification | None,
        *,
        status: int,
        error: str | None = None,
    ) -> HttpResponse:
        """The answer echoes the message id and buyer identifier of a message it could read;
        otherwise it names the partner's default buyer identifier."""
        message_id, buyer_identifier = "", ""
        if message is not None:
            message_id = message.notification.message_id
            buyer_identifier = message.notification.buyer_identifier
        body = answer_body(
            code=status,
            message_id=message_id,
            buyer_identifier=buyer_identifier or edge.default_buyer_code,
            error=error,
        )
        return HttpResponse(body, status=status, content_type=XML)


def receive_notification(edge: PartnerEdge, body: bytes, caller: Caller) -> Answer:
    """Receive an authenticated body as the webhook does, without a request (the demo data)."""
    response = receive_message(NotifyProtocol(), edge, body, caller)
    return Answer(response.status_code, response.content)
