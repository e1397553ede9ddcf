"""The port through which appointment services ask a supplier for slots and reservations.

`appointments` never imports a protocol package: each protocol registers a gateway for its
partners (the supplier Ticketing API's lives in `integrations/cityfibre/`). Calls are
synchronous: an agent is waiting for the slots.
"""

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


_gateways: dict[str, AppointmentGateway] = {}


def register_gateway(protocol: str, gateway: AppointmentGateway) -> None:
    _gateways[protocol] = gateway


def gateway_for(partner: Supplier) -> AppointmentGateway:
    try:
        return _gateways[partner.protocol]
    except KeyError:
        raise GatewayError(f"{partner} does not offer appointments.") from None
