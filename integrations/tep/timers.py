"""The TEP package's pending timer for a fault (`faults.exceptions.timers`):

* PartnerPoll — a TEP supplier that sends by polling (`TepConnection.receive_mode`) gives us its
  news about the fault only when we poll it (GetTicket). Beat looks every 10 seconds and a
  partner is polled as soon as its slot is free: its last GetTicket plus the partner's limit
  (`polling.min_interval`: the seed's 60 s and a second of margin; a simulator partner's own).
  Fired: the partner is polled now (`polling.poll_partner`, as the poll task does). The
  partner's limit still holds, since TEP refuses a call made sooner: within it nothing is called
  and the answer says so."""

from datetime import datetime

from django.utils import timezone

from faults.choices import EventKind
from faults.exceptions import timers
from faults.models import Fault
from integrations.tep import polling
from integrations.tep.models import ReceiveMode, TepConnection

PARTNER_POLL = "PartnerPoll"
PROTOCOL = "tep"


def _connection(fault: Fault) -> TepConnection | None:
    supplier = fault.supplier
    if supplier.protocol != PROTOCOL or not supplier.is_active:
        return None
    return TepConnection.objects.filter(
        partner_id=supplier.pk, receive_mode=ReceiveMode.POLLING
    ).first()


def partner_poll_due(fault: Fault, now: datetime) -> list[timers.Due]:
    tep = _connection(fault)
    if tep is None:
        return []
    last = tep.last_ticket_poll_at
    due = last + polling.min_interval(fault.supplier.environment) if last else now
    return [timers.Due(due)]


def partner_poll_fire(fault: Fault, key: str, now: datetime) -> str:
    if _connection(fault) is None:
        return "nothing: the supplier no longer polls."
    result = polling.poll_partner(fault.supplier_id, now=timezone.now)
    if result.ticket is None:
        return (
            f"not polled: {fault.supplier.name}'s limit between two calls has not passed "
            "(TEP refuses a call made sooner)."
        )
    return f"{fault.supplier.name} was polled now: GetTicket answered '{result.ticket}'."


def register_tep_timers() -> None:
    timers.register(
        PARTNER_POLL,
        source=partner_poll_due,
        fire=partner_poll_fire,
        audit_kind=EventKind.EXCEPTION,
    )
