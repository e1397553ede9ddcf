"""What a partner says about its own copy of our fault's ticket, apart from the fault's data: a
partner that purged its ticket (TEP's fault 3100 "ticket not found") will not take any further
message about the fault. The agent must know, from the fault's timeline, that the supplier no
longer hears about it and has to be contacted some other way."""

from datetime import datetime

from faults.choices import EventKind
from faults.models import Fault, FaultEvent
from faults.services.actors import Actor
from faults.services.audit import fault_event_record

PURGED = "partner_ticket_purged"


def fault_partner_ticket_purged(
    *, fault_id: int, partner_name: str, reason: str, actor: Actor, at: datetime
) -> FaultEvent | None:
    """Record on the fault's timeline that the partner purged its ticket: once per fault (a
    second refusal for the same reason says nothing new). Returns the new entry, or None."""
    fault = Fault.objects.select_for_update().get(pk=fault_id)
    if FaultEvent.objects.filter(
        fault=fault, kind=EventKind.ANOMALY, data__has_key=PURGED
    ).exists():
        return None
    why = f" ({reason})" if reason else ""
    return fault_event_record(
        fault=fault,
        kind=EventKind.ANOMALY,
        actor=actor,
        at=at,
        message=(
            f"{partner_name} no longer has its ticket for this fault: it was purged there"
            f"{why}. Nothing more is sent to it about this fault; contact it another way."
        ),
        data={PURGED: True},
    )
