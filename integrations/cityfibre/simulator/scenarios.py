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

After `resolved` the supplier waits for our resolveResponse: accepted → closed; rejected →
re-opened → in-progress → resolved again; nothing within `auto_close_after` → closed.
"""

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "AUTO_CLOSE",
    "CANCEL",
    "CLOSE_ACCEPTED",
    "PLANS",
    "REOPEN_PLAN",
    "Scenario",
    "Step",
    "scenario_for",
]


class Scenario(StrEnum):
    HAPPY = "happy"
    ON_HOLD = "on-hold"
    REJECT = "reject"
    REJECT_ASYNC = "reject-async"
    SILENT = "silent"
    UNAVAILABLE = "unavailable"

    @classmethod
    def parse(cls, text: str) -> "Scenario":
        name = "-".join(text.strip().lower().replace("_", "-").split())
        name = _ALIASES.get(name, name)
        try:
            return cls(name)
        except ValueError:
            known = ", ".join([*(s.value for s in cls), *_ALIASES])
            raise ValueError(f"unknown scenario {text!r}; known: {known}") from None


_ALIASES = {"never-answer": "silent", "hold": "on-hold", "onhold": "on-hold", "503": "unavailable"}

# Longest first: SIM-REJECT-ASYNC- must win over SIM-REJECT-.
_PREFIXES = (
    ("SIM-REJECT-ASYNC-", Scenario.REJECT_ASYNC),
    ("SIM-NEVER-ANSWER-", Scenario.SILENT),
    ("SIM-REJECT-", Scenario.REJECT),
    ("SIM-SILENT-", Scenario.SILENT),
    ("SIM-HOLD-", Scenario.ON_HOLD),
    ("SIM-HAPPY-", Scenario.HAPPY),
    ("SIM-503-", Scenario.UNAVAILABLE),
)


def scenario_for(service_affected: str, default: str) -> Scenario:
    service = service_affected.strip().upper()
    for prefix, scenario in _PREFIXES:
        if service.startswith(prefix):
            return scenario
    return Scenario.parse(default)


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
