from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from faults.choices import FaultStatus
from faults.errors import FaultValidationError
from faults.models import Fault
from faults.validators import NotBlankValidator, is_blank


def fault_full_clean(fault: Fault) -> None:
    """Run the model's field validators (lengths, non-blank, ranges) and raise the domain error.

    A draft may leave the service ID and the fault type out (empty) until it is raised: our
    TMF621 API keeps a ticket whose buyer has not said yet which service it is on, and
    `fault_check_ready_to_submit` asks for them before anything is sent. Text that is there must
    still not be blank, and the NOC's form and REST API require both, as before."""
    exclude = ["status"]
    if fault.status == FaultStatus.DRAFT:
        exclude += [field.name for field in NOT_BLANK_FIELDS if getattr(fault, field.attname) == ""]
    try:
        fault.full_clean(exclude=exclude, validate_unique=True)
    except ValidationError as exc:
        raise FaultValidationError(
            "The fault has invalid fields.", errors=exc.message_dict
        ) from None


@dataclass(frozen=True)
class SubmitRule:
    """One thing the supplier requires before a fault is sent: a value in `fields` (in any one
    of them when there are several). The raise form marks its fields from these rules."""

    fields: tuple[str, ...]
    message: str
    # Where the error is reported (the API's error key; the field the page shows it under).
    reported_at: str = ""
    # What a rule over several fields is called (one field is called by its label).
    label: str = ""

    @property
    def one_of(self) -> bool:
        return len(self.fields) > 1

    @property
    def key(self) -> str:
        return self.reported_at or self.fields[0]

    def met_by(self, fault: Fault) -> bool:
        return any(_has_value(getattr(fault, name)) for name in self.fields)


def _has_value(value: object) -> bool:
    """Whether the supplier would receive something: text counts once the characters XML
    cannot carry are dropped (as the messages drop them)."""
    return not is_blank(value) if isinstance(value, str) else value is not None


def _needs(what: str) -> str:
    return f"The supplier needs {what} before the fault can be raised."


# What the supplier's faultDetails requires before a fault can be sent (the XSD's
# faultDetailsType), in the order the form shows the fields. A draft needs only a supplier (and,
# from the NOC's form and REST API, a service ID and a fault type); the appointment rule is
# `appointment_rule_errors`.
SUBMIT_RULES = (
    SubmitRule(("fault_start_time",), _needs("the fault start time")),
    SubmitRule(("fault_location",), _needs("the fault location")),
    SubmitRule(("triage_complete",), "Say whether triage is complete before raising the fault."),
    SubmitRule(("triage_findings",), _needs("the triage findings")),
    SubmitRule(("site_access_details",), _needs("site access details")),
    SubmitRule(
        ("site_access_contact_name", "site_access_contact_phone", "site_access_contact_email"),
        _needs("a site access contact (name, phone or e-mail)"),
        reported_at="site_access_contact_phone",
        label="Site access contact (name, phone or e-mail)",
    ),
)


MISSING_FOR_SUBMIT = "The fault is missing what the supplier requires."
# A Service Outage fault without a reservation yet: on submit a refusal, while the agent is still
# filling the form something still needed (`faults.ui.fault.live_check`).
APPOINTMENT_NEEDED = (
    "A Service Outage fault needs an engineer appointment: query the slots and reserve one first."
)
APPOINTMENT_NEEDED_LABEL = "Engineer appointment (reserve a slot)"


# The model's not-blank text fields (service ID, fault type). A draft saved before the check
# knew about characters XML cannot carry may still hold one that is blank once sent.
NOT_BLANK_FIELDS = tuple(
    field
    for field in Fault._meta.concrete_fields
    if any(isinstance(check, NotBlankValidator) for check in field.validators)
)


def fault_check_ready_to_submit(fault: Fault) -> None:
    errors: dict[str, list[str]] = {
        field.name: [NotBlankValidator.message]
        for field in NOT_BLANK_FIELDS
        if is_blank(getattr(fault, field.attname))
    }
    errors.update({rule.key: [rule.message] for rule in SUBMIT_RULES if not rule.met_by(fault)})
    errors.update(appointment_rule_errors(fault))
    if errors:
        raise FaultValidationError(MISSING_FOR_SUBMIT, errors=errors)


def appointment_rule_errors(fault: Fault, *, now: datetime | None = None) -> dict[str, list[str]]:
    """The supplier's rule (seed 001, step 3c): a Service Outage (TLOS) fault is raised with a
    valid appointment reservation key, any other type without one. A supplier we book no
    appointments with (TMF621 has none) takes a Service Outage fault without one: it arranges
    the engineer's visit itself, with the site access contact."""
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
    if not fault.supplier.offers_appointments:
        if key:
            return {
                "appointment_reservation_key": [
                    f"{fault.supplier} books no engineer appointments through us; "
                    "remove the reservation."
                ]
            }
        return {}
    if not key:
        return {"appointment_reservation_key": [APPOINTMENT_NEEDED]}
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
