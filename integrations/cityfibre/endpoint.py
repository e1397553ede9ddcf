"""Receiving notifyFaultReportUpdate: authenticate, limit, parse hardened, store raw, answer.
Nothing here applies the message; `integrations.inbox` does that after the answer."""

from dataclasses import dataclass

from django.utils import timezone
from lxml import etree

from faults.models import Fault
from integrations.cityfibre import builders, soap
from integrations.cityfibre.parsers import MessageUnreadable, parse_notification
from integrations.cityfibre.schema import schema_deviations
from integrations.inbox import Received, inbox_store
from integrations.models import Partner
from integrations.security import Caller
from integrations.xml import XmlRejected, parse_xml

NOTIFY = "notifyFaultReportUpdate"


@dataclass(frozen=True)
class Answer:
    http_status: int
    body: bytes


def answer(
    partner: Partner,
    *,
    code: int,
    message_id: str = "",
    buyer_identifier: str = "",
    error: str | None = None,
) -> Answer:
    if not buyer_identifier:
        default = partner.default_buyer_identifier
        buyer_identifier = default.code if default else ""
    element = builders.build_notify_response(
        buyer_identifier=buyer_identifier,
        message_id=message_id,
        sent_at=timezone.now(),
        response_code=code,
        error_message=error,
    )
    return Answer(code, soap.wrap(element))


def receive_notification(partner: Partner, body: bytes, caller: Caller) -> Answer:
    try:
        element = soap.unwrap(parse_xml(body))
    except (XmlRejected, soap.SoapFault) as exc:
        return answer(partner, code=400, error=f"Unreadable XML: {exc}")
    root = etree.QName(element).localname
    if root != NOTIFY:
        return answer(partner, code=400, error=f"Expected {NOTIFY}, received {root}.")
    try:
        notification = parse_notification(element)
    except MessageUnreadable as exc:
        return answer(partner, code=400, error=exc.reason)
    reply = {
        "message_id": notification.message_id,
        "buyer_identifier": notification.buyer_identifier,
    }
    known_codes = set(
        partner.buyer_identifiers.filter(is_active=True).values_list("code", flat=True)
    )
    if notification.buyer_identifier not in known_codes:
        return answer(
            partner, code=400, **reply, error='{"buyerIdentifier": "Unknown buyer identifier"}'
        )
    fault = (
        Fault.objects.filter(
            supplier=partner, buyer_fault_reference=notification.buyer_fault_reference
        )
        .only("id")
        .first()
    )
    if fault is None:
        return answer(
            partner,
            code=400,
            **reply,
            error='{"buyerFaultReference": "No fault found with that reference"}',
        )
    inbox_store(
        Received(
            partner=partner,
            message_type=NOTIFY,
            message_id=notification.message_id,
            body=body,
            fault=fault,
            sent_at=notification.as_of,
            remote_addr=caller.address,
            client_cert_fingerprint=caller.cert_fingerprint,
            deviations=schema_deviations(element),
        )
    )
    return answer(partner, code=200, **reply)
