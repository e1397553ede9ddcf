"""The NICC ALA appointment messages as the supplier reads and writes them (seed 004, samples
00-03): requests in the ALA namespace with the supplier's `cfh:` extension elements, answers in
the same namespaces inside a SOAP envelope.

No schema is published for them, so the shapes follow the samples element by element. What the
samples do not show, the simulator decides and keeps stable:
- each offered slot carries `cfh:availability` (`true`/`false`) after its end time;
- a refusal is `<operation>Rejected` in place of `<operation>Accepted`, holding `reasonCode` and
  `reason`, answered HTTP 400.
"""

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from integrations.cityfibre.simulator.messages import format_datetime
from integrations.cityfibre.simulator.slots import Slot

__all__ = [
    "ALA_NS",
    "CFH_NS",
    "SELLER_IDENTIFIER",
    "AnswerHeader",
    "ala",
    "availability_accepted",
    "cfh",
    "header_text",
    "rejected",
    "reserve_accepted",
]

ALA_NS = "http://www.niccstandards.org.uk/ala_1.0.xsd"
CFH_NS = "http://www.cityfibre.com/ala/ext1"
NSMAP = {None: ALA_NS, "cfh": CFH_NS}
SELLER_IDENTIFIER = "CITYFIBRE"
# Where an ALA message keeps the header fields a fault-report message has at its top level.
_HEADER_PARENTS = {
    "messageId": "message",
    "correlationId": "message",
    "sentAt": "message",
    "buyerIdentifier": "buyer",
    "sellerIdentifier": "seller",
}


def ala(name: str) -> str:
    return f"{{{ALA_NS}}}{name}"


def cfh(name: str) -> str:
    return f"{{{CFH_NS}}}{name}"


def header_text(element: etree._Element, name: str) -> str:
    """A header field of either family: `messageId` at the top (fault reports) or under the ALA
    `message` / `buyer` / `seller` elements (appointments)."""
    text = element.findtext(name)
    if text is None and name in _HEADER_PARENTS:
        text = element.findtext(f"{ala(_HEADER_PARENTS[name])}/{ala(name)}")
    return (text or "").strip()


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _format_ms(value: datetime) -> str:
    """As the samples' sentAt and validUntil: milliseconds and "Z"."""
    text = format_datetime(value.replace(microsecond=0))
    return f"{text[:-1]}.{value.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class AnswerHeader:
    """What an answer's message, buyer and seller elements say."""

    message_id: str
    correlation_id: str  # the request's (its messageId when it carried none)
    buyer_identifier: str
    sent_at: datetime


def _response(root_name: str, header: AnswerHeader) -> etree._Element:
    root = etree.Element(ala(root_name), nsmap=NSMAP)
    message = _sub(root, ala("message"))
    _sub(message, ala("messageId"), header.message_id)
    _sub(message, ala("correlationId"), header.correlation_id)
    _sub(message, ala("sentAt"), _format_ms(header.sent_at))
    _sub(_sub(root, ala("buyer")), ala("buyerIdentifier"), header.buyer_identifier)
    _sub(_sub(root, ala("seller")), ala("sellerIdentifier"), SELLER_IDENTIFIER)
    return root


def _slot_fields(parent: etree._Element, slot: Slot) -> None:
    _sub(parent, ala("appointmentDate"), slot.date.isoformat())
    _sub(parent, ala("appointmentStartTime"), slot.start_time)
    _sub(parent, ala("appointmentEndTime"), slot.end_time)


def availability_accepted(header: AnswerHeader, slots: list[tuple[Slot, bool]]) -> etree._Element:
    """queryAppointmentAvailabilityResponse with every slot and whether it is available."""
    root = _response("queryAppointmentAvailabilityResponse", header)
    listed = _sub(_sub(root, ala("queryAppointmentAvailabilityAccepted")), ala("appointmentSlots"))
    for slot, available in slots:
        element = _sub(listed, ala("appointmentSlot"))
        _slot_fields(element, slot)
        _sub(element, cfh("availability"), "true" if available else "false")
    return root


def reserve_accepted(
    header: AnswerHeader, slot: Slot, key: str, valid_until: datetime
) -> etree._Element:
    """reserveAppointmentResponse with the reserved appointment, as sample 03."""
    root = _response("reserveAppointmentResponse", header)
    appointment = _sub(_sub(root, ala("reserveAppointmentAccepted")), ala("appointment"))
    _slot_fields(appointment, slot)
    _sub(appointment, ala("appointmentReservationKey"), key)
    _sub(appointment, ala("appointmentReservationValidUntil"), _format_ms(valid_until))
    return root


def rejected(header: AnswerHeader, operation: str, code: str, reason: str) -> etree._Element:
    """`<operation>Response` holding `<operation>Rejected` with a reason code and a reason."""
    root = _response(f"{operation}Response", header)
    refusal = _sub(root, ala(f"{operation}Rejected"))
    _sub(refusal, ala("reasonCode"), code)
    _sub(refusal, ala("reason"), reason)
    return root
