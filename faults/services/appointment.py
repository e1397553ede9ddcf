"""The appointment a Service Outage (TLOS) fault carries: its reservation key and until when
the supplier holds it. The appointments app decides which reservation; these functions put it on
the fault, and tell the supplier when the fault is already raised (amendFaultReport with the new
key, which is how the supplier learns of a re-appointment)."""

import re
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from faults.choices import AMENDABLE_STATUSES, EventKind, FaultStatus, PartnerOperation
from faults.errors import FaultValidationError, TransitionNotAllowed
from faults.models import Fault
from faults.ports import request_partner_call
from faults.services.actors import Actor
from faults.services.audit import fault_event_record
from faults.services.transitions import fault_lock

KEY_FIELD = "appointment_reservation_key"
KEY_MAX = Fault._meta.get_field(KEY_FIELD).max_length
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _check_key(reservation_key: str) -> str:
    key = (reservation_key or "").strip()
    if not key:
        raise FaultValidationError(
            "An appointment needs a reservation key.", errors={KEY_FIELD: ["Give the key."]}
        )
    if len(key) > KEY_MAX:
        raise FaultValidationError(
            "The reservation key is too long.",
            errors={KEY_FIELD: [f"At most {KEY_MAX} characters (it has {len(key)})."]},
        )
    return key


def _check_slot(slot: dict[str, Any] | None) -> dict[str, str]:
    """The slot as the amend payload carries it: date ISO, times HH:MM (each optional)."""
    if not slot:
        return {}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    day = slot.get("date")
    if day:
        try:
            cleaned["date"] = (
                day if isinstance(day, date) else date.fromisoformat(day)
            ).isoformat()
        except (TypeError, ValueError):
            errors["date"] = ["Give the date as YYYY-MM-DD."]
    for name in ("start_time", "end_time"):
        value = slot.get(name)
        if value:
            if isinstance(value, str) and _HHMM.match(value):
                cleaned[name] = value
            else:
                errors[name] = ["Give the time as HH:MM (24-hour), e.g. 08:00."]
    start, end = cleaned.get("start_time"), cleaned.get("end_time")
    if start and end and end <= start:
        errors["end_time"] = ["The slot must end after it starts."]
    if errors:
        raise FaultValidationError("The appointment slot is invalid.", errors=errors)
    return cleaned


def _describe(key: str, slot: dict[str, str]) -> str:
    when = " ".join(filter(None, (slot.get("date"), slot.get("start_time"))))
    if slot.get("end_time"):
        when += f"-{slot['end_time']}"
    return f"Appointment {key}" + (f" ({when})" if when else "")


@transaction.atomic
def fault_appointment_set(
    *,
    fault_id: int,
    actor: Actor,
    reservation_key: str,
    valid_until: datetime | None,
    slot: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Fault:
    """Put a reservation on a fault. A draft just carries it (sent with the raise); a raised,
    unfinished fault also asks the supplier for an amendFaultReport with the new key and slot.
    The same key and valid-until again changes nothing and sends nothing."""
    at = at or timezone.now()
    key = _check_key(reservation_key)
    cleaned_slot = _check_slot(slot)
    fault = fault_lock(fault_id=fault_id)
    is_draft = fault.status == FaultStatus.DRAFT
    if not is_draft and fault.status not in AMENDABLE_STATUSES:
        raise TransitionNotAllowed(
            reference=fault.buyer_fault_reference, status=fault.status, action="appoint"
        )
    if not fault.is_tlos:
        raise FaultValidationError(
            "Only a Service Outage fault carries an appointment.",
            errors={KEY_FIELD: [f"{fault} is '{fault.fault_type}', not Service Outage."]},
        )
    old_key, old_until = fault.appointment_reservation_key, fault.appointment_valid_until
    if (old_key, old_until) == (key, valid_until):
        return fault
    fault.appointment_reservation_key = key
    fault.appointment_valid_until = valid_until
    fault.save(update_fields=[KEY_FIELD, "appointment_valid_until", "updated_at"])
    changes = {
        KEY_FIELD: [old_key, key],
        "appointment_valid_until": [
            old_until.isoformat() if old_until else None,
            valid_until.isoformat() if valid_until else None,
        ],
    }
    fault_event_record(
        fault=fault,
        kind=EventKind.AMENDED,
        actor=actor,
        at=at,
        message=f"{_describe(key, cleaned_slot)} set on the fault.",
        data={"changes": changes, "appointment": {"reservation_key": key, **cleaned_slot}},
    )
    if not is_draft:
        payload = {"changes": {}, "appointment": {"reservation_key": key, **cleaned_slot}}
        request_partner_call(fault=fault, operation=PartnerOperation.AMEND, payload=payload, at=at)
    return fault


@transaction.atomic
def fault_appointment_clear(
    *, fault_id: int, actor: Actor, reason: str = "", at: datetime | None = None
) -> Fault:
    """Take the reservation off a draft (its appointment was cancelled). A raised fault keeps
    its key: the supplier has it, and only a re-appointment replaces it."""
    at = at or timezone.now()
    fault = fault_lock(fault_id=fault_id)
    if fault.status != FaultStatus.DRAFT:
        raise TransitionNotAllowed(
            reference=fault.buyer_fault_reference, status=fault.status, action="clear_appointment"
        )
    old_key, old_until = fault.appointment_reservation_key, fault.appointment_valid_until
    if not old_key and old_until is None:
        return fault
    fault.appointment_reservation_key = ""
    fault.appointment_valid_until = None
    fault.save(update_fields=[KEY_FIELD, "appointment_valid_until", "updated_at"])
    fault_event_record(
        fault=fault,
        kind=EventKind.AMENDED,
        actor=actor,
        at=at,
        message=f"Appointment {old_key} taken off the fault." + (f" {reason}" if reason else ""),
        data={
            "changes": {
                KEY_FIELD: [old_key, ""],
                "appointment_valid_until": [old_until.isoformat() if old_until else None, None],
            }
        },
    )
    return fault
