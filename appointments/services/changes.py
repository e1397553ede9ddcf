"""What an agent does with the appointment of a raised fault: re-appoint it (query + reserve,
then an amendFaultReport with the new key, as the supplier's appointing flow says), or cancel
an appointment locally."""

from dataclasses import replace

from django.db import transaction
from django.utils import timezone

from appointments.choices import AppointmentEventKind, AppointmentState
from appointments.errors import (
    AppointmentError,
    AppointmentNotAllowed,
    AppointmentNotFound,
    AppointmentRefused,
)
from appointments.gateways import Reservation, Slot, SlotQuery
from appointments.models import Appointment
from appointments.services.booking import (
    fault_or_404,
    new_appointment,
    slot_payload,
    supersede_active,
)
from appointments.services.checks import (
    call_supplier,
    check_partner,
    check_query,
    check_reservation,
    check_slot,
)
from appointments.services.history import appointment_event_record, slot_text
from faults.choices import AMENDABLE_STATUSES, EventKind, FaultStatus
from faults.models import Fault
from faults.services.actors import Actor
from faults.services.appointment import fault_appointment_clear, fault_appointment_set
from faults.services.audit import fault_event_record
from faults.services.transitions import fault_lock

A = AppointmentState
# What an agent may no longer cancel: the visit happened, was missed, or was replaced.
NOT_CANCELLABLE = frozenset({A.COMPLETED, A.MISSED, A.SUPERSEDED})


def appointment_reappoint(
    *, fault_id: int, actor: Actor, query: SlotQuery, slot: Slot
) -> Appointment:
    """Book another visit for a raised Service Outage fault: ask the supplier whether the slot
    is still offered, reserve it, supersede the current appointment, and send the supplier an
    amendFaultReport with the new reservation key and slot."""
    fault = fault_or_404(fault_id)
    check_reappointable(fault)
    partner = fault.supplier
    gateway = check_partner(partner)
    query = check_query(replace(query, reappointment=True))
    check_slot(slot)
    offered = call_supplier(gateway.query_availability, partner, query)
    if not any(_same_slot(candidate, slot) and candidate.available for candidate in offered):
        raise AppointmentRefused(
            f"The supplier no longer offers {slot.date.isoformat()} {slot.start_time}-"
            f"{slot.end_time}: query the slots again and pick another."
        )
    reservation = call_supplier(gateway.reserve, partner, query, slot)
    check_reservation(reservation)
    return _store_reappointment(
        fault_id=fault.pk, actor=actor, query=query, reservation=reservation
    )


@transaction.atomic
def _store_reappointment(
    *, fault_id: int, actor: Actor, query: SlotQuery, reservation: Reservation
) -> Appointment:
    at = timezone.now()
    fault = fault_lock(fault_id=fault_id)
    check_reappointable(fault)  # the fault may have moved while the supplier was asked
    key = reservation.reservation_key.strip()
    replaced = supersede_active(fault=fault, actor=actor, at=at, why="re-appointed", by_key=key)
    appointment = new_appointment(
        partner=fault.supplier, query=query, reservation=reservation, fault=fault, state=A.ATTACHED
    )
    appointment_event_record(
        appointment=appointment,
        kind=AppointmentEventKind.RESERVED,
        actor=actor,
        at=at,
        message=f"Reserved {slot_text(appointment)} as a re-appointment of fault {fault}.",
        data={
            "reappointment": True,
            "replaces": [old.reservation_key for old in replaced],
            "valid_until": appointment.valid_until.isoformat() if appointment.valid_until else None,
        },
    )
    fault_appointment_set(
        fault_id=fault.pk,
        actor=actor,
        reservation_key=key,
        valid_until=appointment.valid_until,
        slot=slot_payload(appointment),
        at=at,
    )
    return appointment


def check_reappointable(fault: Fault) -> None:
    if fault.status == FaultStatus.DRAFT:
        raise AppointmentNotAllowed(
            f"Fault {fault} is a draft: reserve a slot and attach it; re-appointing is for a "
            "raised fault."
        )
    if fault.status not in AMENDABLE_STATUSES:
        raise AppointmentNotAllowed(
            f"Fault {fault} is {fault.status}: its appointment can no longer be changed."
        )
    if not fault.is_tlos:
        raise AppointmentError(
            "Only a Service Outage (TLOS) fault carries an appointment.",
            errors={"fault": [f"{fault} is '{fault.fault_type}', not Service Outage."]},
        )


def appointment_cancel(*, appointment_id: int, actor: Actor, reason: str = "") -> Appointment:
    """Cancel an appointment on our side: a reservation nobody will use, or the agent
    withdrawing the visit. A draft loses the key; a raised fault keeps it (the supplier has it)
    and the cancellation is recorded on its timeline. The supplier's own cancellation arrives
    as a notification. Cancelling twice changes nothing."""
    found = Appointment.objects.filter(pk=appointment_id).only("id", "fault_id").first()
    if found is None:
        raise AppointmentNotFound(f"No appointment with id {appointment_id}.")
    return _cancel(appointment_id=found.pk, fault_id=found.fault_id, actor=actor, reason=reason)


@transaction.atomic
def _cancel(*, appointment_id: int, fault_id: int | None, actor: Actor, reason: str) -> Appointment:
    at = timezone.now()
    fault = fault_lock(fault_id=fault_id) if fault_id is not None else None  # fault first
    appointment = Appointment.objects.select_for_update().get(pk=appointment_id)
    if appointment.fault_id != fault_id:
        raise AppointmentNotAllowed(
            f"Appointment {appointment.reservation_key} was attached to a fault meanwhile; "
            "try again."
        )
    if appointment.state == A.CANCELLED:
        return appointment
    if appointment.state in NOT_CANCELLABLE:
        raise AppointmentNotAllowed(
            f"Appointment {appointment.reservation_key} is {appointment.get_state_display()}; "
            "there is nothing to cancel."
        )
    previous = appointment.state
    appointment.state = A.CANCELLED
    appointment.cancelled = True
    appointment.save(update_fields=["state", "cancelled", "updated_at"])
    appointment_event_record(
        appointment=appointment,
        kind=AppointmentEventKind.CANCELLED,
        actor=actor,
        at=at,
        message=f"Cancelled by us. {reason}".strip(),
        data={"state": [previous, A.CANCELLED], "reason": reason},
    )
    if fault is None:
        return appointment
    if fault.status == FaultStatus.DRAFT:
        if fault.appointment_reservation_key == appointment.reservation_key:
            fault_appointment_clear(fault_id=fault.pk, actor=actor, reason=reason, at=at)
    else:
        fault_event_record(
            fault=fault,
            kind=EventKind.AMENDED,
            actor=actor,
            at=at,
            message=f"Appointment {slot_text(appointment)} cancelled on our side. {reason}".strip(),
            data={"appointment": {"reservation_key": appointment.reservation_key}},
        )
    return appointment


def _same_slot(offered: Slot, wanted: Slot) -> bool:
    return (offered.date, offered.start_time, offered.end_time) == (
        wanted.date,
        wanted.start_time,
        wanted.end_time,
    )
