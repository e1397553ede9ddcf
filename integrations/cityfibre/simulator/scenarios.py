"""The lives a simulated fault can lead, and how one is chosen.

A fault's scenario comes from its `serviceAffected` prefix (so one demo or test can mix them),
else from the simulator's default (`--scenario`, or `POST /_sim/config {"scenario": …}`):

- no prefix: `happy` — accepted → in-progress → resolved, each after `step_delay`;
- `SIM-HOLD-`: `on-hold` — accepted → in-progress → on-hold (with a reason and a comment) →
  in-progress → resolved;
- `SIM-REJECT-`: `reject` — the raise is refused at once: HTTP 400, status rejected;
- `SIM-REJECT-ASYNC-`: `reject-async` — 201 pending, then a `rejected` notification with a reason;
- `SIM-SILENT-` / `SIM-NEVER-ANSWER-`: `silent` (alias `never-answer`) — 201 pending, then nothing;
- `SIM-503-`: `unavailable` — the raise is answered HTTP 503 `unavailable_count` times (per
  buyer reference), then taken and lived as `happy`.
- `SIM-REFUSE-RESOLVE-`: `refuse-resolution` — lived as `happy`, but our resolveResponse is
  refused (HTTP 400, its reason on `resolveAccepted`) and the fault stays resolved until it is
  closed automatically after `auto_close_after`.

A fault carrying an appointment (a `Service Outage`, TLOS, raised with a reservation key) also
hears about its appointment (samples 26/28/30/32): confirmed right after `accepted`, and completed
with closure code FR just before `resolved`, whatever its scenario. These scenarios change that:

- `SIM-APPT-MISSED-SELLER-`: `appt-missed-seller` — accepted → confirmed → missed
  (sellerMissedAppointment Y) → on-hold until the buyer re-appoints;
- `SIM-APPT-MISSED-ENDUSER-`: `appt-missed-enduser` — the same, endUserMissedAppointment Y;
- `SIM-APPT-MISSED-MBORC-`: `appt-missed-mborc` — the same, MBORC Y;
- `SIM-APPT-CANCEL-`: `appt-cancel` — accepted → confirmed → in-progress → appointment cancelled
  by the supplier → on-hold until the buyer re-appoints;
- `SIM-APPT-FAILED-`: `appt-failed` — accepted → confirmation Failed → on-hold until re-appointed;
- `SIM-APPT-FNR-`: `appt-fnr` — accepted → confirmed → in-progress → completed with FNR (fault not
  resolved): the fault stays in progress until the buyer re-appoints.

A re-appointment (amendFaultReport with a new reservation key) moves the fault's appointment and
starts it again: in-progress (unless it already is) → confirmed → completed FR → resolved. A
fault without an appointment lives an `appt-*` scenario as `happy`.

After `resolved` the supplier waits for our resolveResponse: accepted → closed; rejected →
re-opened → in-progress → resolved again; nothing within `auto_close_after` → closed.
"""

from dataclasses import dataclass
from enum import StrEnum

from integrations.simulation.scenarios import by_prefix, parse_scenario

__all__ = [
    "APPOINTMENT_PLANS",
    "AUTO_CLOSE",
    "CANCEL",
    "CLOSE_ACCEPTED",
    "CLOSURE_CODES",
    "PLANS",
    "REOPEN_PLAN",
    "AnyStep",
    "AppointmentStep",
    "Scenario",
    "Step",
    "plan_for",
    "reappointment_plan",
    "scenario_for",
]


class Scenario(StrEnum):
    HAPPY = "happy"
    ON_HOLD = "on-hold"
    REJECT = "reject"
    REJECT_ASYNC = "reject-async"
    SILENT = "silent"
    UNAVAILABLE = "unavailable"
    REFUSE_RESOLUTION = "refuse-resolution"
    APPT_MISSED_SELLER = "appt-missed-seller"
    APPT_MISSED_END_USER = "appt-missed-enduser"
    APPT_MISSED_MBORC = "appt-missed-mborc"
    APPT_CANCEL = "appt-cancel"
    APPT_FAILED = "appt-failed"
    APPT_FNR = "appt-fnr"

    @classmethod
    def parse(cls, text: str) -> "Scenario":
        return parse_scenario(cls, text, _ALIASES)


_ALIASES = {
    "never-answer": "silent",
    "hold": "on-hold",
    "onhold": "on-hold",
    "503": "unavailable",
    "refuse-resolve": "refuse-resolution",
}

# Longest first: SIM-REJECT-ASYNC- must win over SIM-REJECT-.
_PREFIXES = (
    ("SIM-APPT-MISSED-ENDUSER-", Scenario.APPT_MISSED_END_USER),
    ("SIM-APPT-MISSED-SELLER-", Scenario.APPT_MISSED_SELLER),
    ("SIM-APPT-MISSED-MBORC-", Scenario.APPT_MISSED_MBORC),
    ("SIM-APPT-CANCEL-", Scenario.APPT_CANCEL),
    ("SIM-APPT-FAILED-", Scenario.APPT_FAILED),
    ("SIM-APPT-FNR-", Scenario.APPT_FNR),
    ("SIM-REJECT-ASYNC-", Scenario.REJECT_ASYNC),
    ("SIM-NEVER-ANSWER-", Scenario.SILENT),
    ("SIM-REJECT-", Scenario.REJECT),
    ("SIM-SILENT-", Scenario.SILENT),
    ("SIM-HOLD-", Scenario.ON_HOLD),
    ("SIM-HAPPY-", Scenario.HAPPY),
    ("SIM-503-", Scenario.UNAVAILABLE),
    ("SIM-REFUSE-RESOLVE-", Scenario.REFUSE_RESOLUTION),
)


def scenario_for(service_affected: str, default: str) -> Scenario:
    return by_prefix(service_affected, _PREFIXES) or Scenario.parse(default)


@dataclass(frozen=True)
class Step:
    """One move of the supplier's workflow: the new status, why, and the entry it appends to
    the fault's updates list (and, sometimes, a comment of its own)."""

    status: str
    reason: str = ""
    update: str = ""
    comment: str = ""
    assigns_reference: bool = False


ACCEPTED = Step(
    "accepted", update="Accepted - fault report created and validated.", assigns_reference=True
)
IN_PROGRESS = Step("in-progress", update="In progress - an engineer is working on the fault.")
RESOLVED = Step("resolved", reason="Fault fixed at the exchange.", update="Resolved - fault fixed.")
ON_HOLD = Step(
    "on-hold",
    reason="Awaiting access to the end user's premises.",
    update="On hold - waiting for the end user to arrange access.",
    comment="We need access to the property. Please ask the end user to call us.",
)
BACK_IN_PROGRESS = Step("in-progress", update="In progress - access arranged, work resumed.")
REJECTED = Step(
    "rejected", reason="Missing data", update="Fault report rejected, not enough information"
)

PLANS: dict[Scenario, tuple[Step, ...]] = {
    Scenario.HAPPY: (ACCEPTED, IN_PROGRESS, RESOLVED),
    Scenario.UNAVAILABLE: (ACCEPTED, IN_PROGRESS, RESOLVED),
    Scenario.REFUSE_RESOLUTION: (ACCEPTED, IN_PROGRESS, RESOLVED),
    Scenario.ON_HOLD: (ACCEPTED, IN_PROGRESS, ON_HOLD, BACK_IN_PROGRESS, RESOLVED),
    Scenario.REJECT_ASYNC: (REJECTED,),
    Scenario.SILENT: (),
    Scenario.REJECT: (),  # refused synchronously: never stored
}

# After our resolveResponse, or the lack of one.
CLOSE_ACCEPTED = Step("closed", update="Closed - buyer accepted resolution.")
AUTO_CLOSE = Step(
    "closed",
    reason="No response to the resolution within 48 hours: accepted automatically.",
    update="Closed - resolution accepted automatically, no response from the buyer.",
)
REOPEN_PLAN = (
    IN_PROGRESS,
    Step("resolved", reason="Fault fixed after re-test.", update="Resolved - fault fixed again."),
)
CANCEL = Step("cancelled", reason="Cancelled at the buyer's request.", update="Cancelled")


# --- appointments --------------------------------------------------------------------------------
# Seed 004's closure code reference.
CLOSURE_CODES = {
    "FR": "Fault Resolved",
    "FNR": "Fault Not Resolved",
    "HAZ": "Site Unsafe",
    "NA": "No access",
    "NAPUV": "No Access Possible Hazard",
    "ASQ": "Sales Query",
    "NDT": "No dial tone",
    "UNF": "Unforeseen Circumstance e.g. Asbestos",
    "MBORC": "Matters Beyond Reasonable Control",
    "FTA": "Failed to Attend",
    "SREQ": "Service Request",
}
NO_FLAGS = (
    ("sellerMissedAppointment", "N"),
    ("Amended", "N"),
    ("Cancelled", "N"),
    ("endUserMissedAppointment", "N"),
    ("endUserPreAgreed", "N"),
    ("MBORC", "N"),
)


@dataclass(frozen=True)
class AppointmentStep:
    """An event of the fault's appointment: it leaves the fault's status as it is and is notified
    with the appointment (or, when missed, `faultDetails/missedAppointment`)."""

    event: str  # confirmed, failed, cancelled, completed, missed
    update: str
    closure_code: str = ""
    missed: tuple[tuple[str, str], ...] = ()  # the missedAppointment flags

    @property
    def confirmation_status(self) -> str:
        return "Failed" if self.event == "failed" else "Confirmed"


def _missed(flag: str, who: str) -> AppointmentStep:
    flags = tuple((name, "Y" if name == flag else value) for name, value in NO_FLAGS)
    return AppointmentStep("missed", update=f"Appointment missed: {who}.", missed=flags)


def _completed(code: str) -> AppointmentStep:
    label = CLOSURE_CODES[code]
    return AppointmentStep(
        "completed", update=f"Appointment completed: {code} - {label}.", closure_code=code
    )


CONFIRMED = AppointmentStep("confirmed", update="Appointment confirmed.")
CONFIRMATION_FAILED = AppointmentStep("failed", update="Appointment could not be confirmed.")
APPT_CANCELLED = AppointmentStep("cancelled", update="Appointment cancelled by the supplier.")
COMPLETED_FR = _completed("FR")
COMPLETED_FNR = _completed("FNR")
MISSED_BY_SELLER = _missed("sellerMissedAppointment", "our engineer did not attend")
MISSED_BY_END_USER = _missed("endUserMissedAppointment", "the end user was not present")
MISSED_MBORC = _missed("MBORC", "matters beyond reasonable control")


def _awaiting(why: str) -> Step:
    return Step(
        "on-hold",
        reason=f"{why}: awaiting a re-appointment from the buyer.",
        update=f"On hold - {why[0].lower()}{why[1:]}; please re-appoint.",
    )


REAPPOINTED = Step("in-progress", update="In progress - re-appointed, engineer booked.")
AnyStep = Step | AppointmentStep
APPOINTMENT_PLANS: dict[Scenario, tuple[AnyStep, ...]] = {
    Scenario.APPT_MISSED_SELLER: (
        ACCEPTED,
        CONFIRMED,
        MISSED_BY_SELLER,
        _awaiting("Appointment missed by our engineer"),
    ),
    Scenario.APPT_MISSED_END_USER: (
        ACCEPTED,
        CONFIRMED,
        MISSED_BY_END_USER,
        _awaiting("End user not present for the appointment"),
    ),
    Scenario.APPT_MISSED_MBORC: (
        ACCEPTED,
        CONFIRMED,
        MISSED_MBORC,
        _awaiting("Appointment missed for matters beyond reasonable control"),
    ),
    Scenario.APPT_CANCEL: (
        ACCEPTED,
        CONFIRMED,
        IN_PROGRESS,
        APPT_CANCELLED,
        _awaiting("Appointment cancelled by the supplier"),
    ),
    Scenario.APPT_FAILED: (
        ACCEPTED,
        CONFIRMATION_FAILED,
        _awaiting("Appointment could not be confirmed"),
    ),
    Scenario.APPT_FNR: (ACCEPTED, CONFIRMED, IN_PROGRESS, COMPLETED_FNR),
}
# Without an appointment, they live as happy.
PLANS.update(dict.fromkeys(APPOINTMENT_PLANS, PLANS[Scenario.HAPPY]))


def plan_for(scenario: Scenario, *, with_appointment: bool) -> tuple[AnyStep, ...]:
    """The steps a fault lives. With an appointment: its scenario's appointment plan, or its
    plain plan with the appointment confirmed after acceptance and completed FR before the
    resolution."""
    if not with_appointment:
        return PLANS[scenario]
    if scenario in APPOINTMENT_PLANS:
        return APPOINTMENT_PLANS[scenario]
    plan: list[AnyStep] = []
    for step in PLANS[scenario]:
        if step.status == "resolved":
            plan.append(COMPLETED_FR)
        plan.append(step)
        if step.status == "accepted":
            plan.append(CONFIRMED)
    return tuple(plan)


def reappointment_plan(status: str) -> tuple[AnyStep, ...]:
    """After a re-appointment: back in progress, the new appointment confirmed and kept."""
    back = () if status == "in-progress" else (REAPPOINTED,)
    return (*back, CONFIRMED, COMPLETED_FR, RESOLVED)
