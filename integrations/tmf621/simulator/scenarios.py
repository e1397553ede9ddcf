"""The lives a simulated trouble ticket can lead, and how one is chosen.

A ticket's scenario comes from the prefix of the service it is about (the id of its
`relatedEntity`, the affected service), so one demo or test can mix them; else from the
simulator's default (`--scenario`, or `POST /_sim/config {"scenario": …}`):

- no prefix: `happy` — acknowledged (the 201) → inProgress → a progress note → resolved;
- `SIM-PENDING-`: `pending` — acknowledged → inProgress → pending ("Please confirm site access
  hours", MEF 124: the seller waits on the buyer) until the buyer PATCHes information (a note)
  → inProgress → resolved;
- `SIM-HELD-`: `held` — acknowledged → inProgress → held (stuck on the supplier's side, with a
  reason) → inProgress → resolved;
- `SIM-REJECT-`: `reject` — the POST is answered 400 (TMF error), nothing kept;
- `SIM-REJECT-ASYNC-`: `reject-async` — 201 acknowledged, then rejected with a reason;
- `SIM-SILENT-`: `silent` — lived as `happy`, but no event is sent (a GET shows the progress);
- `SIM-503-`: `unavailable` — the first `unavailable_count` calls for the ticket (its POST
  first) are answered 503, then it lives as `happy`;
- `SIM-IDONLY-`: `id-only` — lived as `happy`, each event carrying only the ticket's id (MEF
  124's notification), so the buyer GETs the ticket.

One event per change, by what changed (MEF 124 table 11): a status change is a
`troubleTicketStatusChangeEvent`, except the change to `pending`
(`troubleTicketInformationRequiredEvent`) and to `resolved` (`troubleTicketResolvedEvent`); a
note the supplier adds without a status change is a `troubleTicketAttributeValueChangeEvent`.

After resolved the supplier waits for the buyer's PATCH: `closed` → closed; `reopened` (with a
reason) → reopened → inProgress → resolved again; nothing within `auto_close_after` → closed.
The buyer may cancel (PATCH `cancelled`) while the ticket is still being worked on.
"""

from dataclasses import dataclass
from enum import StrEnum

from integrations.simulation.scenarios import by_prefix, parse_scenario

__all__ = [
    "ACKNOWLEDGED",
    "ATTRIBUTE_VALUE_CHANGE",
    "AUTO_CLOSED",
    "INFORMATION_RECEIVED",
    "INFORMATION_REQUIRED",
    "PLANS",
    "REOPEN_PLAN",
    "RESOLVED_EVENT",
    "STATUS_CHANGE",
    "Scenario",
    "Step",
    "scenario_for",
]

STATUS_CHANGE = "troubleTicketStatusChangeEvent"
ATTRIBUTE_VALUE_CHANGE = "troubleTicketAttributeValueChangeEvent"
RESOLVED_EVENT = "troubleTicketResolvedEvent"
INFORMATION_REQUIRED = "troubleTicketInformationRequiredEvent"


class Scenario(StrEnum):
    HAPPY = "happy"
    PENDING = "pending"
    HELD = "held"
    REJECT = "reject"
    REJECT_ASYNC = "reject-async"
    SILENT = "silent"
    UNAVAILABLE = "unavailable"
    ID_ONLY = "id-only"

    @classmethod
    def parse(cls, text: str) -> "Scenario":
        return parse_scenario(cls, text, _ALIASES)

    @property
    def sends_events(self) -> bool:
        return self is not Scenario.SILENT

    @property
    def id_only(self) -> bool:
        return self is Scenario.ID_ONLY


_ALIASES = {
    "503": "unavailable",
    "idonly": "id-only",
    "information-required": "pending",
    "never-answer": "silent",
}

# Longest first: SIM-REJECT-ASYNC- must win over SIM-REJECT-.
_PREFIXES = (
    ("SIM-REJECT-ASYNC-", Scenario.REJECT_ASYNC),
    ("SIM-PENDING-", Scenario.PENDING),
    ("SIM-REJECT-", Scenario.REJECT),
    ("SIM-SILENT-", Scenario.SILENT),
    ("SIM-IDONLY-", Scenario.ID_ONLY),
    ("SIM-HAPPY-", Scenario.HAPPY),
    ("SIM-HELD-", Scenario.HELD),
    ("SIM-503-", Scenario.UNAVAILABLE),
)


def scenario_for(service_id: str, default: str) -> Scenario:
    return by_prefix(service_id, _PREFIXES) or Scenario.parse(default)


@dataclass(frozen=True)
class Step:
    """One move of the supplier's workflow: a new status (None: the status stays) with its
    reason, and a note the supplier adds. `waits_for_buyer`: the plan stops here until the
    buyer gives the information asked for."""

    status: str | None
    reason: str = ""
    note: str = ""
    waits_for_buyer: bool = False

    @property
    def event_type(self) -> str:
        if self.status is None:
            return ATTRIBUTE_VALUE_CHANGE
        if self.status == "pending":
            return INFORMATION_REQUIRED
        if self.status == "resolved":
            return RESOLVED_EVENT
        return STATUS_CHANGE

    @property
    def field_path(self) -> str | None:
        """What the two events that carry a `fieldPath` point at: the note."""
        if self.event_type in (ATTRIBUTE_VALUE_CHANGE, INFORMATION_REQUIRED):
            return "note"
        return None


# seed 002: `submitted`, received and not yet acknowledged (when the 201 answers `submitted`).
ACKNOWLEDGED = Step("acknowledged", reason="Ticket validated and accepted.")
IN_PROGRESS = Step("inProgress", reason="An engineer is investigating.")
PROGRESS_NOTE = Step(None, note="Engineer assigned; line tests under way at the exchange.")
RESOLVED = Step("resolved", reason="Fault fixed: the line card at the exchange was replaced.")
SITE_ACCESS = "Please confirm site access hours"
PENDING = Step("pending", reason=SITE_ACCESS, note=SITE_ACCESS, waits_for_buyer=True)
INFORMATION_RECEIVED = Step("inProgress", reason="Information received from the buyer.")
HELD = Step("held", reason="Awaiting a spare part from our warehouse.")
HELD_OVER = Step("inProgress", reason="Spare part received; work resumed.")
REJECTED = Step("rejected", reason="The service is not one we provide to this buyer.")

PLANS: dict[Scenario, tuple[Step, ...]] = {
    Scenario.HAPPY: (IN_PROGRESS, PROGRESS_NOTE, RESOLVED),
    Scenario.PENDING: (IN_PROGRESS, PENDING, RESOLVED),
    Scenario.HELD: (IN_PROGRESS, HELD, HELD_OVER, RESOLVED),
    Scenario.REJECT_ASYNC: (REJECTED,),
    Scenario.REJECT: (),  # refused at once: never kept
}
for _scenario in (Scenario.SILENT, Scenario.UNAVAILABLE, Scenario.ID_ONLY):
    PLANS[_scenario] = PLANS[Scenario.HAPPY]

REOPEN_PLAN = (
    Step("inProgress", reason="Investigating again after the buyer reopened the ticket."),
    Step("resolved", reason="Fault fixed after a re-test with the buyer."),
)
AUTO_CLOSED = Step("closed", reason="No answer to the resolution in time: closed automatically.")
