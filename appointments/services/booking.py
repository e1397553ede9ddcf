"""What an agent does with appointments before a fault is raised: query the supplier's slots,
reserve one, attach the reservation to a draft Service Outage fault.

The supplier is asked outside any transaction (an agent is waiting, and no row lock or
connection should be held across a call to another company's server); what it answered is then
stored in one transaction. When the supplier refuses or does not answer, nothing is stored.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from appointments.choices import ACTIVE_STATES, AppointmentEventKind, AppointmentState
from appointments.errors import AppointmentError, AppointmentNotAllowed, AppointmentNotFound
from appointments.gateways import Reservation, Slot, SlotQuery
from appointments.models import Appointment
from appointments.services.checks import (
    call_supplier,
    check_partner,
    check_query,
    check_reservation,
    check_slot,
)
from appointments.services.history import appointment_event_record, slot_text
from faults.choices import FaultStatus
from faults.errors import FaultNotFound
from faults.models import Fault
from faults.services.actors import Actor
from faults.services.appointment import fault_appointment_set
from faults.services.transitions import fault_lock
from faults.suppliers import Supplier

A = AppointmentState


def appointment_slots_query(*, partner: Supplier, query: SlotQuery) -> list[Slot]:
    """The supplier's slots for a site and product from a day on (queryAppointmentAvailability).
    Nothing is stored: the agent picks one and reserves it."""
    gateway = check_partner(partner)
    query = check_query(query)
    return call_supplier(gateway.query_availability, partner, query)


def appointment_reserve(
    *,
    partner: Supplier,
    actor: Actor,
    query: SlotQuery,
    slot: Slot,
    fault_id: int | None = None,
) -> Appointment:
    """Reserve a slot with the supplier (reserveAppointment) and store the reservation; with
    `fault_id`, attach it to that draft Service Outage fault as well (all or nothing)."""
    gateway = check_partner(partner)
    query = check_query(query)
    check_slot(slot)
    if fault_id is not None:
        # Refuse before the supplier holds a slot for a fault that cannot take it.
        check_attachable(fault=fault_or_404(fault_id), partner=partner)
    reservation = call_supplier(gateway.reserve, partner, query, slot)
    check_reservation(reservation)
    return _store_reservation(
        partner=partner, actor=actor, query=query, reservation=reservation, fault_id=fault_id
    )


@transaction.atomic
def _store_reservation(
    *,
    partner: Supplier,
    actor: Actor,
    query: SlotQuery,
    reservation: Reservation,
    fault_id: int | None,
) -> Appointment:
    at = timezone.now()
    fault = fault_lock(fault_id=fault_id) if fault_id is not None else None
    appointment = new_appointment(partner=partner, query=query, reservation=reservation)
    appointment_event_record(
        appointment=appointment,
        kind=AppointmentEventKind.RESERVED,
        actor=actor,
        at=at,
        message=f"Reserved {slot_text(appointment)} with {partner}.",
        data={"valid_until": _iso(appointment.valid_until), "reappointment": query.reappointment},
    )
    if fault is not None:
        attach(appointment=appointment, fault=fault, actor=actor, at=at)
    return appointment


@transaction.atomic
def appointment_attach(*, appointment_id: int, fault_id: int, actor: Actor) -> Appointment:
    """Attach a reservation to a draft Service Outage fault of the same supplier; the key is
    then sent with the raise. Attaching it again to the same fault changes nothing."""
    at = timezone.now()
    fault = fault_lock(fault_id=fault_id)  # the fault first, then the appointment: a fixed order
    appointment = Appointment.objects.select_for_update().filter(pk=appointment_id).first()
    if appointment is None:
        raise AppointmentNotFound(f"No appointment with id {appointment_id}.")
    attach(appointment=appointment, fault=fault, actor=actor, at=at)
    return appointment


def check_attachable(*, fault: Fault, partner: Supplier) -> None:
    """The supplier's rule: only a Service Outage (TLOS) fault carries a reservation, and it
    carries it from the raise. A raised fault is re-appointed instead."""
    if fault.status != FaultStatus.DRAFT:
        raise AppointmentNotAllowed(
            f"Fault {fault} is {fault.status}: a reservation is attached only to a draft. "
            "Re-appoint a raised fault instead."
        )
    if fault.supplier_id != partner.pk:
        raise AppointmentError(
            f"Fault {fault} is with another supplier.",
            errors={"fault": [f"{fault} is raised with {fault.supplier}, not {partner}."]},
        )
    if not fault.is_tlos:
        raise AppointmentError(
            "Only a Service Outage (TLOS) fault carries an appointment.",
            errors={"fault": [f"{fault} is '{fault.fault_type}', not Service Outage."]},
        )


def attach(*, appointment: Appointment, fault: Fault, actor: Actor, at: datetime) -> None:
    """Attach a locked reservation to a locked draft fault (replacing the draft's previous
    reservation, if any) and put its key on the fault."""
    if appointment.fault_id == fault.pk and appointment.state == A.ATTACHED:
        return
    check_attachable(fault=fault, partner=appointment.partner)
    if appointment.fault_id is not None and appointment.fault_id != fault.pk:
        raise AppointmentNotAllowed(
            f"Appointment {appointment.reservation_key} is attached to another fault."
        )
    if appointment.state != A.RESERVED:
        raise AppointmentNotAllowed(
            f"Appointment {appointment.reservation_key} is {appointment.get_state_display()}; "
            "only a reserved slot can be attached."
        )
    if appointment.valid_until is not None and appointment.valid_until <= at:
        raise AppointmentError(
            "The reservation has expired.",
            errors={
                "appointment": [
                    f"The supplier held {appointment.reservation_key} until "
                    f"{timezone.localtime(appointment.valid_until):%Y-%m-%d %H:%M}: query the "
                    "slots again and reserve a new one."
                ]
            },
        )
    supersede_active(
        fault=fault,
        actor=actor,
        at=at,
        why="another slot reserved for the draft",
        by_key=appointment.reservation_key,
        keep_id=appointment.pk,
    )
    appointment.fault = fault
    appointment.state = A.ATTACHED
    appointment.save(update_fields=["fault", "state", "updated_at"])
    appointment_event_record(
        appointment=appointment,
        kind=AppointmentEventKind.ATTACHED,
        actor=actor,
        at=at,
        message=f"Attached to fault {fault}.",
        data={"fault": fault.buyer_fault_reference},
    )
    fault_appointment_set(
        fault_id=fault.pk,
        actor=actor,
        reservation_key=appointment.reservation_key,
        valid_until=appointment.valid_until,
        slot=slot_payload(appointment),
        at=at,
    )


def supersede_active(
    *,
    fault: Fault,
    actor: Actor,
    at: datetime,
    why: str,
    by_key: str = "",
    keep_id: int | None = None,
) -> list[Appointment]:
    """Mark the fault's current appointment superseded (a fault has one current appointment),
    except `keep_id`. Its history keeps what it was; missed and completed facts stay on it."""
    current = Appointment.objects.select_for_update().filter(fault=fault, state__in=ACTIVE_STATES)
    if keep_id is not None:
        current = current.exclude(pk=keep_id)
    superseded = list(current)
    for old in superseded:
        previous = old.state
        old.state = A.SUPERSEDED
        old.save(update_fields=["state", "updated_at"])
        appointment_event_record(
            appointment=old,
            kind=AppointmentEventKind.SUPERSEDED,
            actor=actor,
            at=at,
            message=f"Superseded{f' by {by_key}' if by_key else ''}: {why}.",
            data={"state": [previous, A.SUPERSEDED], "by": by_key},
        )
    return superseded


def new_appointment(
    *,
    partner: Supplier,
    query: SlotQuery,
    reservation: Reservation,
    fault: Fault | None = None,
    state: AppointmentState = A.RESERVED,
) -> Appointment:
    return Appointment.objects.create(
        partner=partner,
        fault=fault,
        reservation_key=reservation.reservation_key.strip(),
        appointment_date=reservation.slot.date,
        start_time=reservation.slot.start_time,
        end_time=reservation.slot.end_time,
        valid_until=reservation.valid_until,
        appointment_type=query.appointment_type,
        product_name=query.product_name,
        address_key=query.address_key,
        is_reappointment=query.reappointment,
        state=state,
    )


def slot_payload(appointment: Appointment) -> dict[str, str]:
    """The slot as an amend payload carries it (see `fault_appointment_set`)."""
    payload = {"start_time": appointment.start_time, "end_time": appointment.end_time}
    if appointment.appointment_date is not None:
        payload["date"] = appointment.appointment_date.isoformat()
    return {name: value for name, value in payload.items() if value}


def fault_or_404(fault_id: int) -> Fault:
    fault = Fault.objects.select_related("supplier").filter(pk=fault_id).first()
    if fault is None:
        raise FaultNotFound(f"No fault with id {fault_id}.")
    return fault


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
