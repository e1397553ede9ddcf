"""The supplier's appointment messages: NICC ALA (`queryAppointmentAvailability`,
`reserveAppointment`) with the supplier's `cfh:` extension elements, sent in a SOAP envelope.

No schema is published for them (samples/STATUS.md), so the builders follow the samples 00 and 02
element by element and check their inputs themselves (times HH:MM, lengths from seed 004), and the
parsers read the answers tolerantly: names by local name, any namespace, any case.

What the parsers cannot use is never an unhandled exception:
- a `…Rejected` / `…Failed` answer, a SOAP Fault, or a `received…` answer with an errorMessage
  raises `ReservationRefused` with the supplier's reason;
- an answer that cannot be read at all raises `AlaAnswerUnreadable` (a `GatewayError`).

The availability sample's list is empty; a slot is read as the reserve answer's appointment is
written: `appointmentSlot` with `appointmentDate`, `appointmentStartTime`, `appointmentEndTime`,
and an optional `availability` (true/false, Y/N, available/full, or a count of free places).
"""

import logging
import re
from collections.abc import Iterator
from datetime import date, datetime

from lxml import etree

from appointments.gateways import GatewayError, Reservation, ReservationRefused, Slot, SlotQuery
from integrations.cityfibre import soap
from integrations.cityfibre.builders import format_datetime
from integrations.cityfibre.parsers import read_date, read_datetime
from integrations.cityfibre.reasons import reason_text
from integrations.xml import XmlRejected, parse_xml

__all__ = [
    "ALA_NS",
    "CFH_NS",
    "SELLER_IDENTIFIER",
    "AlaAnswerUnreadable",
    "AlaMessageInvalid",
    "build_query_appointment_availability",
    "build_reserve_appointment",
    "parse_availability_response",
    "parse_reserve_response",
    "read_answer",
    "refusal_reason",
]

logger = logging.getLogger(__name__)

ALA_NS = "http://www.niccstandards.org.uk/ala_1.0.xsd"
CFH_NS = "http://www.cityfibre.com/ala/ext1"
NSMAP = {None: ALA_NS, "cfh": CFH_NS}
SELLER_IDENTIFIER = "CITYFIBRE"

IDENTIFIER_MAX = 36  # message and correlation ids, buyer and seller identifiers
ADDRESS_KEY_MAX = 63  # addressKey in the query (the reserve's cfh:addressKey allows 254)
PRODUCT_NAME_MAX = 254
RESERVATION_KEY_MAX = 36
APPOINTMENT_TYPES = frozenset({"fault", "order"})  # NICC: "Order (object) or Fault (object)"
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_READ_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
_TRUE = frozenset({"true", "1", "y", "yes", "available", "free", "open"})
_FALSE = frozenset({"false", "0", "n", "no", "unavailable", "full", "booked", "closed", "none"})
_REASON_NAMES = (
    "reason",
    "rejectionReason",
    "failureReason",
    "errorMessage",
    "errorText",
    "description",
    "message",
    "text",
)
_CODE_NAMES = ("reasonCode", "rejectionCode", "failureCode", "errorCode", "code")
_REASON_MAX = 500
_REASON_SET = frozenset(name.lower() for name in _REASON_NAMES)
_CODE_SET = frozenset(name.lower() for name in _CODE_NAMES)


class AlaMessageInvalid(GatewayError):
    """What we were asked to send is not a valid ALA message (bad input); nothing was sent."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class AlaAnswerUnreadable(GatewayError):
    """The supplier's answer could not be read: not XML, or not the expected message. The
    message is the reason alone (callers say whose answer it was)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- building ------------------------------------------------------------------------------------
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
        if not isinstance(value, str) or not _HHMM.match(value):
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


# --- reading -------------------------------------------------------------------------------------
def _local(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[1] if tag[:1] == "{" else tag


def _children(element: etree._Element) -> Iterator[etree._Element]:
    return (child for child in element if isinstance(child.tag, str))


def _child(element: etree._Element, *names: str) -> etree._Element | None:
    wanted = [name.lower() for name in names]
    found = {_local(child).lower(): child for child in reversed(list(_children(element)))}
    for name in wanted:
        if name in found:
            return found[name]
    return None


def _text(element: etree._Element | None) -> str:
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


def _child_text(element: etree._Element, *names: str) -> str:
    return _text(_child(element, *names))


def _short(text: str) -> str:
    return text if len(text) <= _REASON_MAX else text[: _REASON_MAX - 1] + "…"


def _read_time(text: str) -> str:
    """ "08:00", "8:00", "08:00:00" or "08:00:00Z" as "08:00"."""
    match = _READ_TIME.match(text)
    if match is None:
        raise ValueError(text)
    value = f"{int(match.group(1)):02d}:{match.group(2)}"
    if not _HHMM.match(value):
        raise ValueError(text)
    return value


def _read_availability(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return int(lowered) > 0  # a count of free places; anything else raises ValueError


def read_answer(body: bytes) -> etree._Element:
    """The message element of an answer (bare or in a SOAP envelope).

    Raises `AlaAnswerUnreadable` for what is not XML, and `ReservationRefused` for a SOAP Fault."""
    try:
        return soap.unwrap(parse_xml(body))
    except XmlRejected as exc:
        raise AlaAnswerUnreadable(exc.reason) from None
    except soap.SoapFault as exc:
        raise ReservationRefused(_fault_reason(exc)) from None


def _fault_reason(fault: soap.SoapFault) -> str:
    return _short(fault.message or (f"SOAP Fault {fault.code}" if fault.code else "SOAP Fault"))


def _failure_reason(element: etree._Element) -> str:
    """The reason a `…Rejected` / `…Failed` / `received…` answer gives, as far as it can be read."""
    reason = code = ""
    for node in element.iter():
        name = _local(node).lower()
        if not reason and name in _REASON_SET and len(node) == 0:
            reason = _text(node)
        if not code and name in _CODE_SET and len(node) == 0:
            code = _text(node)
    if not reason:
        reason = _text(element)
    if code and code not in reason:
        reason = f"{reason} (code {code})" if reason else f"code {code}"
    return _short(reason or "no reason given")


def _message(root: etree._Element) -> etree._Element:
    if soap.is_envelope(root):
        try:
            return soap.unwrap(root)
        except XmlRejected as exc:
            raise AlaAnswerUnreadable(exc.reason) from None
        except soap.SoapFault as exc:
            raise ReservationRefused(_fault_reason(exc)) from None
    return root


def _outcome(root: etree._Element, operation: str) -> etree._Element:
    """The `<operation>Accepted` element of the answer, or the refusal it carries, raised."""
    message = _message(root)
    name = _local(message)
    error = _child_text(message, "errorMessage")
    if name.lower().startswith("received") and error:  # a genericResponseType error answer
        raise ReservationRefused(_short(reason_text(error)))
    if name.lower() != f"{operation}Response".lower():
        raise AlaAnswerUnreadable(f"expected {operation}Response, received {name[:60]!r}")
    for child in _children(message):
        child_name = _local(child).lower()
        if child_name == f"{operation}Accepted".lower():
            return child
        if child_name.endswith(("rejected", "failed")):
            raise ReservationRefused(_failure_reason(child))
    if error:
        raise ReservationRefused(_short(reason_text(error)))
    raise AlaAnswerUnreadable(f"{operation}Response without {operation}Accepted")


def _slot_elements(accepted: etree._Element) -> list[etree._Element]:
    """Every appointmentSlot (under appointmentSlots or not) that holds a date of its own."""
    return [
        node
        for node in accepted.iter()
        if _local(node).lower() in {"appointmentslot", "slot"}
        and _child(node, "appointmentDate", "date") is not None
    ]


_SLOT_FIELDS = (
    ("appointmentDate", ("appointmentDate", "date"), "a date", read_date),
    ("appointmentStartTime", ("appointmentStartTime", "startTime"), "HH:MM", _read_time),
    ("appointmentEndTime", ("appointmentEndTime", "endTime"), "HH:MM", _read_time),
)


def _slot(node: etree._Element) -> Slot:
    """One slot; raises ValueError naming what it could not read."""
    values = []
    for name, aliases, kind, read in _SLOT_FIELDS:
        text = _child_text(node, *aliases)
        if not text:
            raise ValueError(f"{name}: missing")
        try:
            values.append(read(text))
        except (ValueError, OverflowError):
            raise ValueError(f"{name}: not {kind}: {text[:30]!r}") from None
    day, start, end = values
    if end <= start:
        raise ValueError(f"appointmentEndTime: {end} is not after {start}")
    return Slot(date=day, start_time=start, end_time=end, available=_available(node))


def _available(node: etree._Element) -> bool:
    """A slot without an availability is available; unknown words are not (do not offer a slot
    we cannot tell is free)."""
    text = _child_text(node, "availability", "available", "appointmentAvailability")
    if not text:
        return True
    try:
        return _read_availability(text)
    except ValueError:
        logger.warning("ALA slot availability not understood: %r", text[:30])
        return False


def _check_correlation(message: etree._Element, correlation_id: str | None) -> None:
    if not correlation_id:
        return
    header = _child(message, "message")
    echoed = _child_text(header, "correlationId") if header is not None else ""
    if echoed and echoed != correlation_id:
        logger.warning("ALA answer correlationId %r, expected %r", echoed[:40], correlation_id)


def parse_availability_response(
    root: etree._Element, *, correlation_id: str | None = None
) -> list[Slot]:
    """The slots of a queryAppointmentAvailabilityResponse (bare or in its envelope), in the
    order given. A slot that cannot be read is left out (and logged), not the whole answer."""
    accepted = _outcome(root, "queryAppointmentAvailability")
    _check_correlation(_message(root), correlation_id)
    slots = []
    for index, node in enumerate(_slot_elements(accepted), start=1):
        try:
            slots.append(_slot(node))
        except ValueError as exc:
            logger.warning("ALA availability slot %d left out: %s", index, exc)
    return slots


def parse_reserve_response(
    root: etree._Element, *, correlation_id: str | None = None, requested: Slot | None = None
) -> Reservation:
    """The reservation of a reserveAppointmentResponse (bare or in its envelope).

    The slot is the one the answer names; where the answer leaves it out, the `requested` one."""
    accepted = _outcome(root, "reserveAppointment")
    _check_correlation(_message(root), correlation_id)
    node = _child(accepted, "appointment", "appointmentSlot")
    node = accepted if node is None else node
    key = _child_text(node, "appointmentReservationKey", "reservationKey")
    if not key:
        raise AlaAnswerUnreadable("no appointmentReservationKey")
    if len(key) > RESERVATION_KEY_MAX:
        raise AlaAnswerUnreadable(
            f"appointmentReservationKey longer than {RESERVATION_KEY_MAX} characters"
        )
    if _child(node, "appointmentDate", "date") is not None:
        try:
            slot = _slot(node)
        except ValueError as exc:
            raise AlaAnswerUnreadable(str(exc)) from None
    elif requested is not None:
        slot = Slot(requested.date, requested.start_time, requested.end_time)
    else:
        raise AlaAnswerUnreadable("no appointmentDate")
    valid_text = _child_text(node, "appointmentReservationValidUntil", "validUntil")
    valid_until = None
    if valid_text:
        try:
            valid_until = read_datetime(valid_text)
        except (ValueError, OverflowError):
            raise AlaAnswerUnreadable(
                f"appointmentReservationValidUntil: not a date-time: {valid_text[:40]!r}"
            ) from None
    return Reservation(reservation_key=key, slot=slot, valid_until=valid_until)


def refusal_reason(body: bytes) -> str:
    """The reason a refusal (HTTP 4xx) gives, as far as it can be read; "" if none."""
    try:
        message = read_answer(body)
    except AlaAnswerUnreadable:
        return ""
    except ReservationRefused as exc:
        return exc.message
    name = _local(message).lower()
    for child in _children(message):
        if _local(child).lower().endswith(("rejected", "failed")):
            return _failure_reason(child)
    if name.startswith("received") or _child(message, "errorMessage") is not None:
        return _short(reason_text(_child_text(message, "errorMessage")))
    if name.endswith(("rejected", "failed")):
        return _failure_reason(message)
    return ""
