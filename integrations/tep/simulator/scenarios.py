"""What the supplier behind the simulated TEP does with a ticket we raise, chosen by the service id
in the ticket's Details (`SIM-…`), and the Detail names and values it speaks.

The names are those of our default conversation-type profile (`integrations.tep.profiles`); they
are kept here, in `PROFILE`, so the simulator plays a partner of its own and does not import our
mapping (a mistake in it would otherwise pass unnoticed on both sides).
"""

from enum import StrEnum
from typing import Any

from integrations.simulation.scenarios import by_prefix, parse_scenario

__all__ = ["PROFILE", "Scenario", "scenario_for"]

# Detail names and values of the default profile, as the partner writes and reads them.
PROFILE: dict[str, Any] = {
    "service": "ServiceId",
    "status": "Status",
    "severity": "Severity",
    "summary": "Description",
    "resolution": "Resolution",
    "resolution_code": "ResolutionCode",
    "resolved_at": "ResolvedDateTime",
    "reported_at": "ReportedDateTime",
    "partner_reference": "PartnerReference",
    "statuses": {
        "accepted": "Accepted",
        "in_progress": "In Progress",
        "resolved": "Resolved",
        "closed": "Closed",
        "reopened": "Reopened",
        "cancelled": "Cancelled",
    },
    # What our Update says in the status detail to answer the resolution (accept: our fault
    # is closed; reject: re-opened) or to cancel the ticket.
    "answers": {
        "accept": "Closed",
        "reject": "Reopened",
        "cancel": "Cancelled",
    },
    # The same answers as our notes word them (`integrations.tep.tickets`), should the status
    # detail not say it (an Update written before our status moved).
    "answer_notes": {
        "accept": "Resolution accepted",
        "reject": "Resolution rejected",
        "cancel": "Cancelled by us",
    },
    "resolution_code_value": "FIXED",
    "resolution_text": "Fibre splice repaired; service restored.",
    "severity_default": "2-High",
}


class Scenario(StrEnum):
    HAPPY = "happy"  # accepted → in progress → resolved; our answer closes or re-opens it
    VALIDATION = "validation"  # PostTicket: ServiceValidationFault 3000
    CONFIG = "config"  # PostTicket: ServiceConfigurationFault 2000
    AUTH = "auth"  # PostTicket: ServiceConfigurationFault 2100 (authorisation failure)
    LOCKED = "locked"  # PostTicket: ServiceUnavailableFault 1100 for the first N calls
    PURGED = "purged"  # accepted, then every later Update: ServiceValidationFault 3100
    INCIDENT = "incident"  # accepted, and the partner opens an incident of its own with us

    @classmethod
    def parse(cls, text: str) -> "Scenario":
        return parse_scenario(cls, text, {})


PREFIXES = (
    ("SIM-VALIDATION", Scenario.VALIDATION),
    ("SIM-CONFIG", Scenario.CONFIG),
    ("SIM-AUTH", Scenario.AUTH),
    ("SIM-LOCKED", Scenario.LOCKED),
    ("SIM-PURGED", Scenario.PURGED),
    ("SIM-INCIDENT", Scenario.INCIDENT),
)


def scenario_for(details: dict[str, str], default: str = Scenario.HAPPY.value) -> Scenario:
    """The scenario the ticket's service id names (`SIM-LOCKED…`), else `default`."""
    service = details.get(PROFILE["service"], "")
    return by_prefix(service, PREFIXES) or Scenario(default)
