"""What a supplier's appointment notification does (confirmed or failed, cancelled, completed
with a closure code, missed with flags): the appointment is updated, its history and the fault's
timeline say so. Like every supplier message it is never refused: what cannot be used is flagged
as an anomaly. Applying the same notification twice changes nothing the second time."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from appointments.choices import (
    ACTIVE_STATES,
    INACTIVE_STATES,
    PENDING_VISIT_STATES,
    AppointmentEventKind,
    AppointmentState,
    ConfirmationStatus,
    MissedSide,
)
from appointments.events import MissedFlags, SupplierAppointmentEvent
from appointments.models import RESERVATION_KEY_MAX, Appointment
from appointments.services.booking import supersede_active
from appointments.services.checks import is_hhmm
from appointments.services.history import appointment_event_record, fault_anomaly_once, slot_text
from faults.choices import ClosureCode, EventKind
from faults.models import Fault
from faults.services.actors import Actor
from faults.services.audit import fault_event_record
from faults.services.transitions import fault_lock

A = AppointmentState
FLAG_FIELDS = {
    "seller_missed": "seller_missed",
    "amended": "amended",
    "cancelled": "missed_cancelled",
    "end_user_missed": "end_user_missed",
    "end_user_pre_agreed": "end_user_pre_agreed",
    "mborc": "mborc",
}
# Which states each outcome may move an appointment from. Leaving `cancelled` is allowed only
# when the fault has no other current appointment; `superseded` is never left (the re-appointment
# is the current one), though the facts are still stored on it.
MAY_COMPLETE_FROM = PENDING_VISIT_STATES | {A.MISSED, A.CANCELLED}
MAY_MISS_FROM = PENDING_VISIT_STATES | {A.CANCELLED}
MAY_CANCEL_FROM = PENDING_VISIT_STATES
MAY_CONFIRM_FROM = PENDING_VISIT_STATES


def missed_side(flags: MissedFlags) -> str:
    """Who a missed appointment counts against: the seller first, then MBORC, then the end user."""
    if flags.seller_missed:
        return MissedSide.SELLER
    if flags.mborc:
        return MissedSide.MBORC
    if flags.end_user_missed:
        return MissedSide.END_USER
    return MissedSide.NONE


@dataclass
class _Outcome:
    """What one notification changes on one appointment."""

    changes: dict[str, list[Any]] = field(default_factory=dict)
    facts: list[str] = field(default_factory=list)
    anomalies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    kind: AppointmentEventKind = AppointmentEventKind.SUPPLIER_UPDATE

    def set(self, appointment: Appointment, name: str, value: Any) -> None:
        old = getattr(appointment, name)
        if old != value:
            self.changes[name] = [_json(old), _json(value)]
            setattr(appointment, name, value)


@transaction.atomic
def appointment_apply_supplier_event(
    *, fault_id: int, event: SupplierAppointmentEvent, actor: Actor
) -> Appointment | None:
    """Apply the supplier's news about one appointment of a fault. Returns the appointment, or
    None when the news names no usable reservation key and the fault has no appointment."""
    now = timezone.now()
    at = min(event.sent_at, now) if event.sent_at else now  # a sent time ahead of us is now
    fault = fault_lock(fault_id=fault_id)
    key = (event.reservation_key or "").strip()
    ref = {"message_ref": event.message_ref} if event.message_ref else {}
    if len(key) > RESERVATION_KEY_MAX:
        fault_anomaly_once(
            fault=fault,
            actor=actor,
            at=at,
            message=f"The supplier sent appointment news with a reservation key of {len(key)} "
            f"characters (at most {RESERVATION_KEY_MAX}); not applied.",
            data={"reservation_key": key},
        )
        return None
    appointment, origin = _find(fault, key)
    if appointment is None:
        fault_anomaly_once(
            fault=fault,
            actor=actor,
            at=at,
            message="The supplier sent appointment news without a reservation key, and the fault "
            "has no appointment to apply it to; not applied.",
            data={"event": _event_data(event)},
        )
        return None
    outcome = _outcome(appointment, event, at=at, other_active=_has_other_active(appointment))
    if not origin and not outcome.changes:
        for message, data in outcome.anomalies:
            fault_anomaly_once(fault=fault, actor=actor, at=at, message=message, data=data)
        return appointment
    if appointment.state not in INACTIVE_STATES:
        supersede_active(
            fault=fault,
            actor=actor,
            at=at,
            why="the supplier named another appointment for the fault",
            by_key=appointment.reservation_key,
            keep_id=appointment.pk,
        )
    appointment.save()
    _record(fault, appointment, outcome, origin=origin, actor=actor, at=at, ref=ref)
    return appointment


ADOPTED = "adopted"
CREATED = "created"


def _find(fault: Fault, key: str) -> tuple[Appointment | None, str]:
    """The fault's appointment with this key (or the fault's current one when the supplier sent
    no key); else one of the supplier's reservations with the key that no fault had yet
    (ADOPTED); else a new one (CREATED)."""
    mine = Appointment.objects.select_for_update().filter(fault=fault)
    if not key:
        return mine.filter(state__in=ACTIVE_STATES).order_by("-id").first(), ""
    found = mine.filter(reservation_key=key).order_by("-id").first()
    if found is None:
        found = (
            Appointment.objects.select_for_update()
            .filter(partner_id=fault.supplier_id, fault__isnull=True, reservation_key=key)
            .order_by("-id")
            .first()
        )
        if found is not None:
            found.fault = fault
            found.state = A.ATTACHED if found.state == A.RESERVED else found.state
            return found, ADOPTED
    if found is not None:
        return found, ""
    discovered = Appointment(
        partner_id=fault.supplier_id,
        fault=fault,
        reservation_key=key,
        state=A.ATTACHED,
        address_key=fault.address_key,
        product_name=fault.product_name,
    )
    return discovered, CREATED


def _has_other_active(appointment: Appointment) -> bool:
    others = Appointment.objects.filter(fault_id=appointment.fault_id, state__in=ACTIVE_STATES)
    if appointment.pk is not None:
        others = others.exclude(pk=appointment.pk)
    return others.exists()


def _outcome(
    appointment: Appointment, event: SupplierAppointmentEvent, *, at: datetime, other_active: bool
) -> _Outcome:
    outcome = _Outcome()
    key = appointment.reservation_key
    _apply_slot(appointment, event, outcome)
    confirmation = _apply_confirmation(appointment, event, outcome)
    if event.cancelled:
        outcome.set(appointment, "cancelled", True)
    code = _apply_closure(appointment, event, outcome, at=at)
    if event.missed is not None:
        _apply_missed(appointment, event.missed, outcome, at=at)

    def move(target: AppointmentState, allowed_from: frozenset[str]) -> None:
        current = appointment.state
        if current == target:
            return
        leaving_inactive = current in INACTIVE_STATES
        if current in allowed_from and not (leaving_inactive and other_active):
            outcome.set(appointment, "state", target)
        else:
            outcome.facts.append(f"kept as {appointment.get_state_display().lower()}")

    if code:
        outcome.kind = AppointmentEventKind.COMPLETED
        move(A.COMPLETED, MAY_COMPLETE_FROM)
    elif event.missed is not None:
        outcome.kind = AppointmentEventKind.MISSED
        move(A.MISSED, MAY_MISS_FROM)
    elif event.cancelled:
        outcome.kind = AppointmentEventKind.SUPPLIER_CANCELLED
        outcome.facts.insert(0, "cancelled by the supplier")
        move(A.CANCELLED, MAY_CANCEL_FROM)
    elif confirmation == ConfirmationStatus.CONFIRMED:
        outcome.kind = AppointmentEventKind.CONFIRMED
        move(A.CONFIRMED, MAY_CONFIRM_FROM)
    elif confirmation == ConfirmationStatus.FAILED:
        outcome.kind = AppointmentEventKind.CONFIRMATION_FAILED
        move(A.FAILED, MAY_CONFIRM_FROM)
    for index, (message, data) in enumerate(outcome.anomalies):
        outcome.anomalies[index] = (f"Appointment {key}: {message}", data)
    return outcome


def _apply_slot(
    appointment: Appointment, event: SupplierAppointmentEvent, outcome: _Outcome
) -> None:
    before = appointment.slot_display
    if event.date is not None:
        outcome.set(appointment, "appointment_date", event.date)
    times = [(name, getattr(event, name)) for name in ("start_time", "end_time")]
    good = all(is_hhmm(value) for _name, value in times if value)
    start, end = event.start_time or appointment.start_time, event.end_time or appointment.end_time
    if good and (not start or not end or start < end):
        for name, value in times:
            if value:
                outcome.set(appointment, name, value)
    elif any(value for _name, value in times):
        outcome.anomalies.append(
            (
                f"the slot times {event.start_time!r}-{event.end_time!r} are not a valid HH:MM "
                "slot; kept the stored times.",
                {"start_time": event.start_time, "end_time": event.end_time},
            )
        )
    if before and appointment.slot_display != before:
        outcome.facts.append(f"moved from {before} to {appointment.slot_display}")


def _apply_confirmation(
    appointment: Appointment, event: SupplierAppointmentEvent, outcome: _Outcome
) -> str:
    raw = (event.confirmation_status or "").strip()
    if not raw:
        return ""
    status = {value.lower(): value for value in ConfirmationStatus.values}.get(raw.lower(), "")
    if not status:
        outcome.anomalies.append(
            (
                f"confirmation status {raw!r} is neither Confirmed nor Failed; ignored.",
                {"confirmation_status": raw},
            )
        )
        return ""
    if appointment.confirmation_status != status:
        outcome.facts.append("confirmed" if status == ConfirmationStatus.CONFIRMED else "failed")
    outcome.set(appointment, "confirmation_status", status)
    return status


def _apply_closure(
    appointment: Appointment, event: SupplierAppointmentEvent, outcome: _Outcome, *, at: datetime
) -> str:
    raw = (event.closure_code or "").strip()
    if not raw:
        return ""
    known = raw.upper() in ClosureCode.values
    code = raw.upper() if known else raw[:36]
    label = ClosureCode(code).label if known else ""
    if appointment.closure_code != code:
        outcome.facts.append(
            f"completed with closure code {code} ({label})"
            if known
            else f"completed with closure code {code!r}, which is not a known code"
        )
        if not known:
            outcome.anomalies.append(
                (
                    f"closure code {raw!r} is not one of {', '.join(ClosureCode.values)}; "
                    "stored as sent.",
                    {"closure_code": raw},
                )
            )
    outcome.set(appointment, "closure_code", code)
    outcome.set(appointment, "closure_label", label)
    if appointment.completed_at is None:
        outcome.set(appointment, "completed_at", at)
    return code


def _apply_missed(
    appointment: Appointment, flags: MissedFlags, outcome: _Outcome, *, at: datetime
) -> None:
    for flag, name in FLAG_FIELDS.items():
        outcome.set(appointment, name, bool(getattr(flags, flag)))
    side = missed_side(flags)
    if not appointment.missed or appointment.missed_side != side:
        raised = [
            Appointment._meta.get_field(name).verbose_name
            for flag, name in FLAG_FIELDS.items()
            if getattr(flags, flag)
        ]
        outcome.facts.append(
            f"missed ({MissedSide(side).label.lower()}"
            + (f"; flags: {', '.join(raised)})" if raised else "; no flag set)")
        )
    outcome.set(appointment, "missed", True)
    outcome.set(appointment, "missed_side", side)
    if appointment.missed_at is None:
        outcome.set(appointment, "missed_at", at)


def _record(
    fault: Fault,
    appointment: Appointment,
    outcome: _Outcome,
    *,
    origin: str,
    actor: Actor,
    at: datetime,
    ref: dict[str, str],
) -> None:
    """One row on the appointment's history per fact (discovered, then what happened) and one
    on the fault's timeline per notification."""
    text = slot_text(appointment)
    facts = "; ".join(outcome.facts) or "updated"
    message = f"Appointment {text}: {facts}."
    data = {"changes": outcome.changes, **ref}
    if origin:
        if origin == ADOPTED:
            lead = (
                f"Appointment {text}, reserved without a fault, attached from the supplier's news"
            )
        elif fault.appointment_reservation_key == appointment.reservation_key:
            lead = f"Appointment {text}, the fault's reservation, recorded from the supplier's news"
        else:
            lead = f"The supplier named appointment {text}, which we had not seen; recorded"
        appointment_event_record(
            appointment=appointment,
            kind=AppointmentEventKind.ATTACHED
            if origin == ADOPTED
            else AppointmentEventKind.DISCOVERED,
            actor=actor,
            at=at,
            message=f"{lead}.",
            data=ref,
        )
        message = f"{lead}: {facts}." if outcome.facts else f"{lead}."
    if outcome.changes:
        appointment_event_record(
            appointment=appointment,
            kind=outcome.kind,
            actor=actor,
            at=at,
            message=f"{facts[0].upper()}{facts[1:]}.",
            data=data,
        )
    fault_event_record(
        fault=fault,
        kind=EventKind.SUPPLIER_DATA,
        actor=actor,
        at=at,
        message=message,
        data={"appointment": {"reservation_key": appointment.reservation_key, **data}},
    )
    for anomaly, anomaly_data in outcome.anomalies:
        fault_anomaly_once(fault=fault, actor=actor, at=at, message=anomaly, data=anomaly_data)


def _event_data(event: SupplierAppointmentEvent) -> dict[str, Any]:
    return {
        "date": _json(event.date),
        "start_time": event.start_time,
        "end_time": event.end_time,
        "confirmation_status": event.confirmation_status,
        "cancelled": event.cancelled,
        "closure_code": event.closure_code,
        "missed": event.missed is not None,
    }


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
