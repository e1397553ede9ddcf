from datetime import datetime
from typing import Any

from faults.choices import EventKind
from faults.models import Fault, FaultEvent
from faults.services.actors import Actor


def fault_event_record(
    *,
    fault: Fault,
    kind: EventKind,
    actor: Actor,
    at: datetime,
    message: str = "",
    from_status: str = "",
    to_status: str = "",
    data: dict[str, Any] | None = None,
) -> FaultEvent:
    """Append one row to the fault's audit trail."""
    return FaultEvent.objects.create(
        fault=fault,
        kind=kind,
        at=at,
        actor_kind=actor.kind,
        actor_user=actor.user,
        actor_ref=actor.ref[:100],
        from_status=from_status,
        to_status=to_status,
        message=message,
        data=data or {},
    )
