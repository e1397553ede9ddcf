"""The two records every appointment change leaves: a row of the appointment's own history and,
when a fault is involved, a row on the fault's timeline."""

from datetime import datetime
from typing import Any

from appointments.choices import AppointmentEventKind
from appointments.models import Appointment, AppointmentEvent
from faults.choices import EventKind
from faults.models import Fault, FaultEvent
from faults.services.actors import Actor
from faults.services.audit import fault_event_record


def appointment_event_record(
    *,
    appointment: Appointment,
    kind: AppointmentEventKind,
    actor: Actor,
    at: datetime,
    message: str = "",
    data: dict[str, Any] | None = None,
) -> AppointmentEvent:
    """Append one row to the appointment's history."""
    return AppointmentEvent.objects.create(
        appointment=appointment,
        kind=kind,
        at=at,
        actor_kind=actor.kind,
        actor_ref=actor.ref[:100],
        message=message,
        data=data or {},
    )


def fault_anomaly_once(
    *, fault: Fault, actor: Actor, at: datetime, message: str, data: dict[str, Any]
) -> None:
    """Flag something a supplier sent that we could not use, once: the same notification
    delivered twice must not flag it twice."""
    if FaultEvent.objects.filter(
        fault=fault, kind=EventKind.ANOMALY, message=message, data=data
    ).exists():
        return
    fault_event_record(
        fault=fault, kind=EventKind.ANOMALY, actor=actor, at=at, message=message, data=data
    )


def slot_text(appointment: Appointment) -> str:
    """'K1 (2024-06-03 08:00-13:00)', for messages."""
    slot = appointment.slot_display
    return f"{appointment.reservation_key} ({slot})" if slot else appointment.reservation_key
