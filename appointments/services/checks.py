"""What is checked before the supplier is asked anything, and how the supplier's failures become
errors for the agent."""

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import TypeVar

from django.utils import timezone

from appointments.choices import AppointmentType
from appointments.errors import (
    AppointmentError,
    AppointmentRefused,
    AppointmentSupplierError,
    AppointmentSupplierUnavailable,
)
from appointments.gateways import (
    AppointmentGateway,
    GatewayError,
    Reservation,
    ReservationRefused,
    Slot,
    SlotQuery,
    SupplierUnavailable,
    gateway_for,
)
from appointments.models import (
    ADDRESS_KEY_MAX,
    HHMM_MESSAGE,
    HHMM_PATTERN,
    PRODUCT_NAME_MAX,
    RESERVATION_KEY_MAX,
)
from faults.suppliers import Supplier
from faults.validators import has_non_xml_character

logger = logging.getLogger(__name__)
HHMM = re.compile(HHMM_PATTERN)
NOT_XML_MESSAGE = "The {what} contains a control character that cannot be sent to the supplier."
T = TypeVar("T")


def is_hhmm(value: object) -> bool:
    return isinstance(value, str) and bool(HHMM.match(value))


def check_partner(partner: Supplier) -> AppointmentGateway:
    """The partner's appointment gateway, or a clear refusal."""
    if not partner.is_active:
        raise AppointmentError(
            f"{partner} is not active.", errors={"partner": ["This partner is not active."]}
        )
    if partner.credentials_broken_at is not None:
        raise AppointmentSupplierUnavailable(
            f"{partner} refused our credentials; an administrator must check the partner's "
            "client certificate before appointments can be booked.",
            detail=partner.credentials_broken_reason,
        )
    try:
        return gateway_for(partner)
    except GatewayError as exc:
        raise AppointmentError(exc.message, errors={"partner": [exc.message]}) from None


def check_query(query: SlotQuery, *, today: date | None = None) -> SlotQuery:
    """The query with its text trimmed, or AppointmentError naming every refused field."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    address_key = query.address_key.strip() if isinstance(query.address_key, str) else ""
    if not address_key:
        errors["address_key"] = ["Give the address key (UPRN) of the site."]
    elif has_non_xml_character(address_key):
        errors["address_key"] = [NOT_XML_MESSAGE.format(what="address key")]
    elif len(address_key) > ADDRESS_KEY_MAX:
        errors["address_key"] = [
            f"At most {ADDRESS_KEY_MAX} characters (it has {len(address_key)})."
        ]
    if not isinstance(query.from_date, date):
        errors["from_date"] = ["Give the first day as YYYY-MM-DD."]
    elif query.from_date < today:
        errors["from_date"] = [
            f"{query.from_date.isoformat()} is in the past; slots can be asked for from today "
            f"({today.isoformat()})."
        ]
    product_name = query.product_name.strip() if isinstance(query.product_name, str) else ""
    if not product_name:
        errors["product_name"] = ["Give the product name (e.g. ftthl2r)."]
    elif has_non_xml_character(product_name):
        errors["product_name"] = [NOT_XML_MESSAGE.format(what="product name")]
    elif len(product_name) > PRODUCT_NAME_MAX:
        errors["product_name"] = [
            f"At most {PRODUCT_NAME_MAX} characters (it has {len(product_name)})."
        ]
    if query.appointment_type not in AppointmentType.values:
        errors["appointment_type"] = [f"One of: {', '.join(AppointmentType.values)}."]
    if errors:
        raise AppointmentError("The slot query is invalid.", errors=errors)
    return replace(query, address_key=address_key, product_name=product_name)


def check_slot(slot: Slot, *, today: date | None = None) -> None:
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if not isinstance(slot.date, date):
        errors["date"] = ["Give the slot's day as YYYY-MM-DD."]
    elif slot.date < today:
        errors["date"] = [f"{slot.date.isoformat()} is in the past."]
    for name in ("start_time", "end_time"):
        if not is_hhmm(getattr(slot, name)):
            errors[name] = [HHMM_MESSAGE]
    if not errors and slot.end_time <= slot.start_time:
        errors["end_time"] = ["The slot must end after it starts."]
    if errors:
        raise AppointmentError("The slot is invalid.", errors=errors)


def check_reservation(reservation: Reservation) -> None:
    """What the supplier answered must fit what we store and send back to it."""
    key = reservation.reservation_key
    problem = ""
    if not isinstance(key, str) or not key.strip():
        problem = "no reservation key"
    elif len(key) > RESERVATION_KEY_MAX:
        problem = f"a reservation key of {len(key)} characters (at most {RESERVATION_KEY_MAX})"
    elif not (is_hhmm(reservation.slot.start_time) and is_hhmm(reservation.slot.end_time)):
        problem = "slot times that are not HH:MM"
    if problem:
        raise AppointmentSupplierError(
            f"The supplier answered the reservation with {problem}; nothing was stored."
        )


def call_supplier(call: Callable[..., T], *args: object) -> T:
    """Ask the supplier, turning its failures into errors the API answers (503, 409, 502)."""
    try:
        return call(*args)
    except SupplierUnavailable as exc:
        logger.warning("Appointment call to the supplier failed: %s", exc.message)
        raise AppointmentSupplierUnavailable(detail=exc.message) from exc
    except ReservationRefused as exc:
        raise AppointmentRefused(f"The supplier refused: {exc.message}") from exc
    except GatewayError as exc:
        logger.warning("Appointment call to the supplier went wrong: %s", exc.message)
        raise AppointmentSupplierError(
            f"The supplier's answer could not be used: {exc.message}"
        ) from exc
