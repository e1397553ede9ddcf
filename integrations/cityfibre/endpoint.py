"""Receiving notifyFaultReportUpdate: authenticate, limit, parse hardened, store raw, answer.
Nothing here applies the message; `integrations.inbox` does that after the answer."""

from dataclasses import dataclass

from django.utils import timezone
from lxml import etree

from integrations.cityfibre import builders, soap
from integrations.cityfibre.parsers import MessageUnreadable, parse_notification
from integrations.cityfibre.schema import schema_deviations
from integrations.inbox import Received, UnknownFault, WrongBuyerIdentifier, inbox_store
from integrations.partner_cache import PartnerEdge
from integrations.security import Caller
from integrations.xml import XmlRejected, parse_xml

NOTIFY = "notifyFaultReportUpdate"


@dataclass(frozen=True)
class Answer:
    http_status: int
    body: bytes


def answer(
    edge: PartnerEdge,
    *,
    code: int,
    message_id: str = "",
    buyer_identifier: str = "",
    error: str | None = None,
) -> Answer:
    body = answer_body(
        code=code,
        message_id=message_id,
        buyer_identifier=buyer_identifier or edge.default_buyer_code,
        error=error,
    )
    return Answer(code, body)


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


def receive_notification(edge: PartnerEdge, body: bytes, caller: Caller) -> Answer:
    partner = edge.partner
    try:
        element = soap.unwrap(parse_xml(body))
    except (XmlRejected, soap.SoapFault) as exc:
        return answer(edge, code=400, error=f"Unreadable XML: {exc}")
    root = etree.QName(element).localname
    if root != NOTIFY:
        return answer(edge, code=400, error=f"Expected {NOTIFY}, received {root}.")
    try:
        notification = parse_notification(element)
    except MessageUnreadable as exc:
        return answer(edge, code=400, error=exc.reason)
    reply = {
        "message_id": notification.message_id,
        "buyer_identifier": notification.buyer_identifier,
    }
    if notification.buyer_identifier not in edge.buyer_codes:
        return answer(
            edge, code=400, **reply, error='{"buyerIdentifier": "Unknown buyer identifier"}'
        )
    received = Received(
        partner=partner,
        message_type=NOTIFY,
        message_id=notification.message_id,
        body=body,
        buyer_fault_reference=notification.buyer_fault_reference,
        buyer_identifier=notification.buyer_identifier,
        sent_at=notification.as_of,
        remote_addr=caller.address,
        client_cert_fingerprint=caller.cert_fingerprint,
        deviations=schema_deviations(element),
    )
    try:
        inbox_store(received)
    except WrongBuyerIdentifier:
        return answer(
            edge,
            code=400,
            **reply,
            error='{"buyerIdentifier": "No fault with that reference under that buyer identifier"}',
        )
    except UnknownFault:
        return answer(
            edge,
            code=400,
            **reply,
            error='{"buyerFaultReference": "No fault found with that reference"}',
        )
    return answer(edge, code=200, **reply)
