"""The supplier's appointment operations (seed 004, samples 00-03), registered in the dispatch
table beside the fault-report ones, and the reservation rule the fault-report operations apply.

- `queryAppointmentAvailability`: the 20 slots of the 10 working days from `appointmentsFrom`,
  each marked available or full (`slots`), always the same for the same address and dates;
- `reserveAppointment`: a free slot is reserved under a new key, valid for `reservation_ttl`
  seconds; a full, unknown or past slot is refused.

Both check their request first (no schema is published): the NICC ALA namespace, a message id, a
known buyer identifier, the seller, the appointment type and product, then their own fields.
A refusal is `<operation>Rejected` with a reason code and a reason, HTTP 400.

The reservation rule (seed 001 step 3c, made real): a `Service Outage` raise must carry a key this
supplier issued to that buyer, not expired and not used by another fault, else HTTP 403 with
"Appointment reservation key unknown" / "expired" / "already used". An amendment that carries a
new key is a re-appointment and must pass the same rule; the old key is then spent ("replaced").
"""

import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from lxml import etree

from integrations.cityfibre import soap
from integrations.cityfibre.simulator.ala_messages import (
    ALA_NS,
    SELLER_IDENTIFIER,
    AnswerHeader,
    ala,
    availability_accepted,
    cfh,
    header_text,
    rejected,
    reserve_accepted,
)
from integrations.cityfibre.simulator.dispatch import Operation, Reply, Request, register
from integrations.cityfibre.simulator.lifecycle import Lifecycle
from integrations.cityfibre.simulator.slots import (
    SimReservation,
    Slot,
    new_reservation_key,
    offered_slots,
    prune_reservations,
    slot_problem,
)
from integrations.cityfibre.simulator.state import HISTORY_LIMIT, SimState, utc_now
from integrations.cityfibre.simulator.validation import Refusal, error_text

__all__ = [
    "KEY_EXPIRED",
    "KEY_UNKNOWN",
    "KEY_USED",
    "QUERY",
    "RESERVE",
    "move_reservation",
    "reservation_key",
    "reservation_refusal",
    "use_reservation",
]

KEY_EXPIRED = "Appointment reservation key expired"
KEY_UNKNOWN = "Appointment reservation key unknown"
KEY_USED = "Appointment reservation key already used"
IDENTIFIER_MAX = 36
ADDRESS_KEY_MAX = 63  # the query's addressKey; the reserve's cfh:addressKey allows 254
RESERVE_ADDRESS_KEY_MAX = 254
PRODUCT_NAME_MAX = 254
PROJECT_REFERENCE_MAX = 80
APPOINTMENT_TYPES = ("fault", "order")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class _Refused(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _invalid(reason: str) -> _Refused:
    return _Refused("INVALID_REQUEST", reason)


@dataclass(frozen=True)
class _Common:
    """What both requests carry beyond their header."""

    appointment_type: str
    product_name: str
    reappointment: bool


def _text(element: etree._Element, *path: str) -> str:
    return (element.findtext("/".join(path)) or "").strip()


def _required(element: etree._Element, name: str, limit: int, *path: str) -> str:
    value = _text(element, *path)
    if not value:
        raise _invalid(f"{name}: missing")
    if len(value) > limit:
        raise _invalid(f"{name}: at most {limit} characters")
    return value


def _check_common(request: Request, known_buyers: set[str]) -> _Common:
    element = request.element
    if etree.QName(element).namespace != ALA_NS:
        raise _invalid(f"{etree.QName(element).localname}: not in the NICC ALA namespace {ALA_NS}")
    _required(element, "message/messageId", IDENTIFIER_MAX, ala("message"), ala("messageId"))
    buyer = request.buyer_identifier
    if not buyer:
        raise _invalid("buyer/buyerIdentifier: missing")
    if buyer not in known_buyers:
        raise _Refused("UNKNOWN_BUYER", f"Unknown buyer identifier '{buyer[:IDENTIFIER_MAX]}'")
    seller = header_text(element, "sellerIdentifier")
    if seller != SELLER_IDENTIFIER:
        raise _Refused("UNKNOWN_SELLER", f"Unknown seller identifier '{seller[:IDENTIFIER_MAX]}'")
    kinds = element.find(ala("appointmentType"))
    found = [] if kinds is None else [etree.QName(child).localname for child in kinds]
    if len(found) != 1 or found[0] not in APPOINTMENT_TYPES:
        raise _invalid("appointmentType: expected one of fault, order")
    product = _required(element, "cfh:productName", PRODUCT_NAME_MAX, cfh("productName"))
    if len(_text(element, cfh("projectReference"))) > PROJECT_REFERENCE_MAX:
        raise _invalid(f"cfh:projectReference: at most {PROJECT_REFERENCE_MAX} characters")
    reappointment = _text(element, cfh("reappointment")).lower() in ("true", "1")
    return _Common(found[0], product, reappointment)


def _date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _invalid(f"{name}: not a date (YYYY-MM-DD): {text[:20]!r}") from None


def _header(request: Request) -> AnswerHeader:
    return AnswerHeader(
        message_id=str(uuid.uuid4()),
        correlation_id=header_text(request.element, "correlationId") or request.message_id,
        buyer_identifier=request.buyer_identifier[:IDENTIFIER_MAX],
        sent_at=utc_now(),
    )


def _refusal(request: Request, refused: _Refused) -> Reply:
    name = request.operation.name
    element = rejected(_header(request), name, refused.code, refused.reason)
    return Reply(400, soap.wrap(element), status="rejected", error=refused.reason)


def _known_buyers(state: SimState) -> set[str]:
    with state.lock:
        return set(state.config.buyer_identifiers)


# --- queryAppointmentAvailability ----------------------------------------------------------------
def query_availability(request: Request, life: Lifecycle) -> Reply:
    element = request.element
    try:
        _check_common(request, _known_buyers(life.state))
        address_key = _required(element, "addressKey", ADDRESS_KEY_MAX, ala("addressKey"))
        text = _required(element, "appointmentsFrom", 10, ala("appointmentsFrom"))
        start = _date(text, "appointmentsFrom")
        today = utc_now().date()
        if start < today:
            raise _Refused("DATE_IN_PAST", f"appointmentsFrom {start.isoformat()} is in the past")
    except _Refused as refused:
        return _refusal(request, refused)
    slots = offered_slots(address_key, start, today)
    return Reply(200, soap.wrap(availability_accepted(_header(request), slots)), status="accepted")


# --- reserveAppointment --------------------------------------------------------------------------
def _slot(element: etree._Element) -> Slot:
    found = element.find(ala("appointmentSlot"))
    if found is None:
        raise _invalid("appointmentSlot: missing")
    day = _date(_required(found, "appointmentDate", 10, ala("appointmentDate")), "appointmentDate")
    times = []
    for name in ("appointmentStartTime", "appointmentEndTime"):
        value = _required(found, name, 5, ala(name))
        if not _HHMM.match(value):
            raise _invalid(f"{name}: not HH:MM: {value!r}")
        times.append(value)
    return Slot(day, times[0], times[1])


def reserve_appointment(request: Request, life: Lifecycle) -> Reply:
    state = life.state
    element = request.element
    try:
        common = _check_common(request, _known_buyers(state))
        slot = _slot(element)
        address_key = _text(element, cfh("addressKey")) or _text(element, ala("addressKey"))
        if not address_key:
            raise _invalid("cfh:addressKey: missing")
        if len(address_key) > RESERVE_ADDRESS_KEY_MAX:
            raise _invalid(f"cfh:addressKey: at most {RESERVE_ADDRESS_KEY_MAX} characters")
        problem = slot_problem(address_key, slot, utc_now().date())
        if problem is not None:
            raise _Refused(*problem)
    except _Refused as refused:
        return _refusal(request, refused)
    with state.lock:
        now = utc_now()
        key = new_reservation_key(state.reservations)
        reservation = SimReservation(
            key=key,
            slot=slot,
            address_key=address_key,
            buyer_identifier=request.buyer_identifier,
            product_name=common.product_name,
            appointment_type=common.appointment_type,
            reappointment=common.reappointment,
            created_at=now,
            valid_until=now + timedelta(seconds=state.config.reservation_ttl),
        )
        state.reservations[key] = reservation
        prune_reservations(state.reservations, now, HISTORY_LIMIT)
    element = reserve_accepted(_header(request), slot, key, reservation.valid_until)
    return Reply(200, soap.wrap(element), status="accepted")


# --- the reservation rule, for addFaultReport and amendFaultReport -------------------------------
def reservation_key(report: etree._Element) -> str:
    return (report.findtext("appointment/appointmentReservationKey") or "").strip()


def reservation_refusal(
    state: SimState, key: str, *, buyer_identifier: str, fault_reference: str
) -> Refusal | None:
    """Why a fault report may not carry `key` (HTTP 403), or None. A key the fault already holds
    is its own. The caller holds the state lock."""
    reservation = state.reservations.get(key)
    if reservation is None or reservation.buyer_identifier != buyer_identifier:
        reason = KEY_UNKNOWN
    elif reservation.status != "reserved":
        if reservation.status == "used" and reservation.used_by == fault_reference:
            return None
        reason = KEY_USED
    elif reservation.expired(utc_now()):
        reason = KEY_EXPIRED
    else:
        return None
    return Refusal(403, error_text(appointmentReservationKey=reason))


def use_reservation(state: SimState, key: str, fault_reference: str) -> SimReservation:
    """Spend `key` on the fault (it passed `reservation_refusal`). The caller holds the lock."""
    reservation = state.reservations[key]
    if reservation.status == "reserved":
        reservation.status = "used"
        reservation.used_by = fault_reference
        reservation.used_at = utc_now()
    return reservation


def move_reservation(state: SimState, old_key: str, new_key: str, fault_reference: str) -> None:
    """A re-appointment: the fault's appointment moves from `old_key` to `new_key`."""
    old = state.reservations.get(old_key)
    if old is not None and old.used_by == fault_reference:
        old.status = "replaced"
        old.events.append({"at": utc_now().isoformat(), "event": "replaced", "by": new_key})
    use_reservation(state, new_key, fault_reference)


QUERY = register(
    Operation(
        name="queryAppointmentAvailability",
        root="queryAppointmentAvailabilityRequest",
        response_root="queryAppointmentAvailabilityResponse",
        handler=query_availability,
        with_status=False,
        xsd=False,
        broken_xml_status=400,  # seed 004 lists 200, 400, 401 and 403 for the ALA operations
    )
)
RESERVE = register(
    Operation(
        name="reserveAppointment",
        root="reserveAppointmentRequest",
        response_root="reserveAppointmentResponse",
        handler=reserve_appointment,
        with_status=False,
        xsd=False,
        broken_xml_status=400,
    )
)
