"""The supplier's appointment messages: NICC ALA (`queryAppointmentAvailability`,
`reserveAppointment`) with the supplier's `cfh:` extension elements, sent in a SOAP envelope.

No schema is published for them (samples/STATUS.md), so the builders (`builders`) follow the
samples 00 and 02 element by element and check their inputs themselves (times HH:MM, lengths
from seed 004), and the parsers (`parsers`) read the answers tolerantly: names by local name, any
namespace, any case. What they carry is the appointments port's own vocabulary
(`appointments.gateways`: `SlotQuery`, `Slot`, `Reservation`), so there is no messages module.

What the parsers cannot use is never an unhandled exception:
- a `…Rejected` / `…Failed` answer, a SOAP Fault, or a `received…` answer with an errorMessage
  raises `ReservationRefused` with the supplier's reason;
- an answer that cannot be read at all raises `AlaAnswerUnreadable` (a `GatewayError`).

The availability sample's list is empty; a slot is read as the reserve answer's appointment is
written: `appointmentSlot` with `appointmentDate`, `appointmentStartTime`, `appointmentEndTime`,
and an optional `availability` (true/false, Y/N, available/full, or a count of free places).
"""

from integrations.cityfibre.ala.builders import (
    ALA_NS,
    CFH_NS,
    SELLER_IDENTIFIER,
    AlaMessageInvalid,
    build_query_appointment_availability,
    build_reserve_appointment,
)
from integrations.cityfibre.ala.parsers import (
    AlaAnswerUnreadable,
    parse_availability_response,
    parse_reserve_response,
    read_answer,
    refusal_reason,
)

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
