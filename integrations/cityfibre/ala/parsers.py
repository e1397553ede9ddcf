"""The supplier's ALA answers, read tolerantly (any namespace, any case, bare or in a SOAP
envelope) into the appointments port's `Slot` and `Reservation`.

A refusal (`…Rejected` / `…Failed`, a SOAP Fault, a `received…` answer with an errorMessage)
raises `ReservationRefused` with the supplier's reason; an answer that cannot be read raises
`AlaAnswerUnreadable`. One slot that cannot be read is left out of an availability answer
(logged), not the whole answer.
"""

import logging
import re
from collections.abc import Iterator

from lxml import etree

from appointments.gateways import GatewayError, Reservation, ReservationRefused, Slot
from integrations.cityfibre import soap
from integrations.cityfibre.ala.builders import HHMM
from integrations.cityfibre.parsers import read_date, read_datetime
from integrations.cityfibre.reasons import reason_text
from integrations.xml import XmlRejected, parse_xml

__all__ = [
    "AlaAnswerUnreadable",
    "parse_availability_response",
    "parse_reserve_response",
    "read_answer",
    "refusal_reason",
]

# One logger for all ALA messages (`integrations.cityfibre.ala`), as before the split.
logger = logging.getLogger(__package__)

RESERVATION_KEY_MAX = 36
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


class AlaAnswerUnreadable(GatewayError):
    """The supplier's answer could not be read: not XML, or not the expected message. The
    message is the reason alone (callers say whose answer it was)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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
    if not HHMM.match(value):
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
