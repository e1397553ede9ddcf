from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from faults.exceptions import FaultValidationError
from faults.models import Fault


def fault_full_clean(fault: Fault) -> None:
    """Run the model's field validators (lengths, non-blank, ranges) and raise the domain error."""
    try:
        fault.full_clean(exclude=["status"], validate_unique=True)
    except ValidationError as exc:
        raise FaultValidationError(
            "The fault has invalid fields.", errors=exc.message_dict
        ) from None


# What the supplier's faultDetails requires before a fault can be sent (the XSD's faultDetailsType).
REQUIRED_FOR_SUBMIT = {
    "fault_start_time": "the fault start time",
    "fault_location": "the fault location",
    "site_access_details": "site access details",
    "triage_findings": "the triage findings",
}


def fault_check_ready_to_submit(fault: Fault) -> None:
    errors: dict[str, list[str]] = {}
    for field, label in REQUIRED_FOR_SUBMIT.items():
        value = getattr(fault, field)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors[field] = [f"The supplier needs {label} before the fault can be raised."]
    if fault.triage_complete is None:
        errors["triage_complete"] = ["Say whether triage is complete before raising the fault."]
    if not any(
        (
            fault.site_access_contact_name,
            fault.site_access_contact_phone,
            fault.site_access_contact_email,
        )
    ):
        errors["site_access_contact_phone"] = [
            "The supplier needs a site access contact (name, phone or e-mail)."
        ]
    errors.update(appointment_rule_errors(fault))
    if errors:
        raise FaultValidationError(
            "The fault is missing what the supplier requires.", errors=errors
        )


def appointment_rule_errors(fault: Fault, *, now: datetime | None = None) -> dict[str, list[str]]:
    """The supplier's rule (seed 001, step 3c): a Service Outage (TLOS) fault is raised with a
    valid appointment reservation key, any other type without one."""
    now = now or timezone.now()
    key = fault.appointment_reservation_key
    if not fault.is_tlos:
        if key:
            return {
                "appointment_reservation_key": [
                    "Only a Service Outage fault carries an appointment; remove the reservation."
                ]
            }
        return {}
    if not key:
        return {
            "appointment_reservation_key": [
                "A Service Outage fault needs an engineer appointment: query the slots and "
                "reserve one first."
            ]
        }
    if fault.appointment_valid_until is not None and fault.appointment_valid_until <= now:
        return {
            "appointment_reservation_key": [
                f"The reservation expired at {fault.appointment_valid_until:%Y-%m-%d %H:%M}: "
                "query the slots again and reserve a new one."
            ]
        }
    return {}


def fault_check_amend_keeps_requirements(fault: Fault) -> None:
    """A raised fault keeps what the supplier required to raise it: an amend may change those
    details, not take them away (the supplier's amend would carry the gap and be refused).
    The appointment is not re-checked: a reservation expires once the fault is raised."""
    try:
        fault_check_ready_to_submit(fault)
    except FaultValidationError as exc:
        errors = {
            name: messages
            for name, messages in exc.errors.items()
            if name != "appointment_reservation_key"
        }
        if errors:
            raise FaultValidationError(
                "An amend cannot take away what the supplier requires.", errors=errors
            ) from None
