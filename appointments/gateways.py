"""The port through which appointment services ask a supplier for slots and reservations.

`appointments` never imports a protocol package: a protocol package declares its gateway in its
`package.py` (`integrations.packages`; the supplier Ticketing API's lives in
`integrations/cityfibre/`), and `gateway_for` finds the one of the partner's protocol. Calls are
synchronous: an agent is waiting for the slots.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from faults.suppliers import Supplier


@dataclass(frozen=True)
class SlotQuery:
    """queryAppointmentAvailability: where, from when, for what."""

    address_key: str  # UPRN, at most 63 characters
    from_date: date
    product_name: str
    appointment_type: str = "fault"  # the NICC appointment type: fault (or an order type)
    reappointment: bool = False


@dataclass(frozen=True)
class Slot:
    date: date
    start_time: str  # "HH:MM"
    end_time: str  # "HH:MM"
    available: bool = True


@dataclass(frozen=True)
class Reservation:
    reservation_key: str  # at most 36 characters
    slot: Slot
    valid_until: datetime | None


class GatewayError(Exception):
    """The supplier could not be asked, or refused; `message` is for the agent."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SupplierUnavailable(GatewayError):
    """Timeout, connection refused, 5xx: try again later."""


class ReservationRefused(GatewayError):
    """The supplier refused the query or the reservation (e.g. the slot is gone)."""


class AppointmentGateway(Protocol):
    def query_availability(self, partner: Supplier, query: SlotQuery) -> list[Slot]: ...

    def reserve(self, partner: Supplier, query: SlotQuery, slot: Slot) -> Reservation: ...


# How a partner's protocol finds its gateway: the integrations app connects its package registry
# when it is ready (`appointments` imports no integration module); until then no partner offers
# appointments.
GatewayLookup = Callable[[str], "AppointmentGateway | None"]


def _no_gateways(protocol: str) -> "AppointmentGateway | None":
    return None


_lookup: GatewayLookup = _no_gateways


def connect_gateway_lookup(lookup: GatewayLookup) -> GatewayLookup:
    """Find gateways with `lookup` from now on; returns the previous one (for tests)."""
    global _lookup
    previous, _lookup = _lookup, lookup
    return previous


def gateway_for(partner: Supplier) -> AppointmentGateway:
    gateway = _lookup(partner.protocol)
    if gateway is None:
        raise GatewayError(f"{partner} does not offer appointments.")
    return gateway
