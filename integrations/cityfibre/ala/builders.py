"""The ALA requests we send the supplier, built with lxml in the order of its samples 00
(availability) and 02 (reserve), `ala:` elements with the supplier's `cfh:` extensions.

With no schema to validate against, each builder checks its inputs first (required values, the
lengths of seed 004, dates, HH:MM times) and raises `AlaMessageInvalid` listing every problem:
bad input, and nothing is sent. Builders return the message element; `soap.wrap` turns it into
the bytes we POST.
"""

import re
from datetime import date, datetime

from lxml import etree

from appointments.gateways import GatewayError, Slot, SlotQuery
from integrations.cityfibre.builders import format_datetime

__all__ = [
    "ALA_NS",
    "CFH_NS",
    "HHMM",
    "SELLER_IDENTIFIER",
    "AlaMessageInvalid",
    "build_query_appointment_availability",
    "build_reserve_appointment",
]

ALA_NS = "http://www.niccstandards.org.uk/ala_1.0.xsd"
CFH_NS = "http://www.cityfibre.com/ala/ext1"
NSMAP = {None: ALA_NS, "cfh": CFH_NS}
SELLER_IDENTIFIER = "CITYFIBRE"

IDENTIFIER_MAX = 36  # message and correlation ids, buyer and seller identifiers
ADDRESS_KEY_MAX = 63  # addressKey in the query (the reserve's cfh:addressKey allows 254)
PRODUCT_NAME_MAX = 254
APPOINTMENT_TYPES = frozenset({"fault", "order"})  # NICC: "Order (object) or Fault (object)"
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")  # a slot's times, as we write them


class AlaMessageInvalid(GatewayError):
    """What we were asked to send is not a valid ALA message (bad input); nothing was sent."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _required(problems: list[str], name: str, value: str, limit: int) -> None:
    if not value or not value.strip():
        problems.append(f"{name}: required")
    elif len(value) > limit:
        problems.append(f"{name}: at most {limit} characters, got {len(value)}")


def _check_header(problems: list[str], **values: str) -> None:
    for name, value in values.items():
        _required(problems, name, value, IDENTIFIER_MAX)


def _check_query(problems: list[str], query: SlotQuery) -> None:
    _required(problems, "address_key", query.address_key, ADDRESS_KEY_MAX)
    _required(problems, "product_name", query.product_name, PRODUCT_NAME_MAX)
    if not isinstance(query.from_date, date):
        problems.append(f"from_date: not a date: {query.from_date!r}")
    if query.appointment_type not in APPOINTMENT_TYPES:
        problems.append(f"appointment_type: not fault or order: {query.appointment_type!r}")


def _check_slot(problems: list[str], slot: Slot) -> None:
    if not isinstance(slot.date, date):
        problems.append(f"slot date: not a date: {slot.date!r}")
    times_ok = True
    for name, value in (("start_time", slot.start_time), ("end_time", slot.end_time)):
        if not isinstance(value, str) or not HHMM.match(value):
            problems.append(f"slot {name}: not HH:MM: {str(value)[:20]!r}")
            times_ok = False
    if times_ok and slot.end_time <= slot.start_time:
        problems.append(f"slot: ends ({slot.end_time}) before it starts ({slot.start_time})")


def _raise_if(problems: list[str]) -> None:
    if problems:
        raise AlaMessageInvalid(problems)


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _ala(name: str) -> str:
    return f"{{{ALA_NS}}}{name}"


def _cfh(name: str) -> str:
    return f"{{{CFH_NS}}}{name}"


def _header(
    root_name: str,
    *,
    message_id: str,
    correlation_id: str,
    sent_at: datetime,
    buyer_identifier: str,
    seller_identifier: str,
) -> etree._Element:
    root = etree.Element(_ala(root_name), nsmap=NSMAP)
    message = _sub(root, _ala("message"))
    _sub(message, _ala("messageId"), message_id)
    _sub(message, _ala("correlationId"), correlation_id)
    _sub(message, _ala("sentAt"), format_datetime(sent_at))
    _sub(_sub(root, _ala("buyer")), _ala("buyerIdentifier"), buyer_identifier)
    _sub(_sub(root, _ala("seller")), _ala("sellerIdentifier"), seller_identifier)
    return root


def _appointment_type(root: etree._Element, query: SlotQuery) -> None:
    _sub(_sub(root, _ala("appointmentType")), _ala(query.appointment_type))


def _bool(value: bool) -> str:
    return "true" if value else "false"


def build_query_appointment_availability(
    *,
    message_id: str,
    correlation_id: str,
    sent_at: datetime,
    buyer_identifier: str,
    seller_identifier: str = SELLER_IDENTIFIER,
    query: SlotQuery,
) -> etree._Element:
    """queryAppointmentAvailabilityRequest, in the order of sample 00."""
    problems: list[str] = []
    _check_header(
        problems,
        message_id=message_id,
        correlation_id=correlation_id,
        buyer_identifier=buyer_identifier,
        seller_identifier=seller_identifier,
    )
    _check_query(problems, query)
    _raise_if(problems)
    root = _header(
        "queryAppointmentAvailabilityRequest",
        message_id=message_id,
        correlation_id=correlation_id,
        sent_at=sent_at,
        buyer_identifier=buyer_identifier,
        seller_identifier=seller_identifier,
    )
    _sub(root, _ala("addressKey"), query.address_key.strip())
    _sub(root, _ala("appointmentsFrom"), query.from_date.isoformat())
    _appointment_type(root, query)
    _sub(root, _cfh("productName"), query.product_name.strip())
    _sub(root, _cfh("reappointment"), _bool(query.reappointment))
    return root


def build_reserve_appointment(
    *,
    message_id: str,
    correlation_id: str,
    sent_at: datetime,
    buyer_identifier: str,
    seller_identifier: str = SELLER_IDENTIFIER,
    query: SlotQuery,
    slot: Slot,
) -> etree._Element:
    """reserveAppointmentRequest, in the order of sample 02 (the address key is `cfh:` here)."""
    problems: list[str] = []
    _check_header(
        problems,
        message_id=message_id,
        correlation_id=correlation_id,
        buyer_identifier=buyer_identifier,
        seller_identifier=seller_identifier,
    )
    _check_query(problems, query)
    _check_slot(problems, slot)
    _raise_if(problems)
    root = _header(
        "reserveAppointmentRequest",
        message_id=message_id,
        correlation_id=correlation_id,
        sent_at=sent_at,
        buyer_identifier=buyer_identifier,
        seller_identifier=seller_identifier,
    )
    element = _sub(root, _ala("appointmentSlot"))
    _sub(element, _ala("appointmentDate"), slot.date.isoformat())
    _sub(element, _ala("appointmentStartTime"), slot.start_time)
    _sub(element, _ala("appointmentEndTime"), slot.end_time)
    _appointment_type(root, query)
    _sub(root, _cfh("productName"), query.product_name.strip())
    _sub(root, _cfh("addressKey"), query.address_key.strip())
    _sub(root, _cfh("reappointment"), _bool(query.reappointment))
    return root
