"""The TMF621 demo supplier's side of its demo faults' past, told the way a TMF621 supplier tells
it: after each change, an event carrying the whole trouble ticket (v4 `TroubleTicket`: status,
reason, notes, status history), received by our listener's part of the inbound edge (read, its
fault found, stored raw in the inbox) and applied by the inbox, all stamped with the time it
happened (`inbox_recording_history`). So integration health counts the TMF621 supplier's
messages, and each fault page shows the event each change came in, as it would for a fault the
simulator moved live.

The ticket is the one the supplier made of the raise we sent it (as it received it), with our
notes from the calls we sent since, and its own notes and status changes. Nothing goes over the
network: the listener's receiving step is called as the view calls it, from the simulator's
address (`integrations.edge.receive_message`, the spine's way for demo data).
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from faults.choices import PartnerOperation
from faults.models import Fault
from integrations.edge import receive_message
from integrations.inbox import inbox_apply
from integrations.models import InboundMessage, OutboundMessage, Partner
from integrations.partner_cache import PartnerEdge
from integrations.security import Caller
from integrations.tmf621.mapping import to_tmf

SIMULATOR_ADDRESS = "127.0.0.1"
# The demo's past numbers a fault's ticket TT-<this + the fault's pk>: well above the numbers
# the simulator gives live faults, and the same fault always gets the same number.
TICKET_NUMBER_BASE = 9_000_000
SUPPLIER_DESK = "Northway Fibre service desk"
# What the supplier sets on a ticket, never taken from the buyer's POST.
SERVER_FIELDS = frozenset(
    {"id", "href", "creationDate", "lastUpdate", "status", "statusChangeDate",
     "statusChangeReason", "statusChange", "resolutionDate", "expectedResolutionDate"}
)  # fmt: skip

# What the supplier writes in a note when it moves a ticket to a status (its words).
STATUS_NOTES = {
    "acknowledged": "Ticket acknowledged and assigned to the service assurance team.",
    "inProgress": "An engineer is working on the fault.",
    "pending": "We need information from you before we can continue.",
    "held": "Work is held on our side.",
    "resolved": "Fault fixed; please confirm the service is restored.",
    "rejected": "Ticket rejected.",
}
# The event that tells each status (the rest: a status change).
EVENT_TYPES = {
    "pending": "troubleTicketInformationRequiredEvent",
    "resolved": "troubleTicketResolvedEvent",
}
STATUS_CHANGE = "troubleTicketStatusChangeEvent"


class DemoTmfSupplierRefused(RuntimeError):
    """Our listener refused a demo event, or the inbox could not apply it: the demo data is
    wrong, not the input."""


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class DemoTmfSupplier:
    """The demo TMF621 partner as a supplier: its tickets of the demo faults, and its events.
    `notify` takes our status (as `DemoSupplier.notify` does, so the history generator drives
    either supplier); `tell` takes the supplier's own word."""

    partner: Partner
    _tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    _sent: dict[int, int] = field(default_factory=dict)

    def notify(
        self,
        fault: Fault,
        *,
        status: str,
        at: datetime,
        reason: str = "",
        maintainer_fault_reference: str = "",
    ) -> InboundMessage:
        """The supplier tells us, at `at`, that the ticket is now what our `status` reads as in
        TMF621 (on hold: `pending`, waiting on us). The supplier numbers its tickets itself, so
        `maintainer_fault_reference` is not used."""
        word = to_tmf(status)
        if word is None:
            raise DemoTmfSupplierRefused(f"No TMF621 status reads as '{status}'.")
        return self.tell(fault, word, at=at, reason=reason)

    def tell(self, fault: Fault, word: str, *, at: datetime, reason: str = "") -> InboundMessage:
        """The supplier moves its ticket to the TMF621 status `word` at `at` and tells us."""
        ticket = self._ticket(fault, at)
        self._take_our_notes(ticket, fault, at)
        change = {"status": word, "changeReason": reason, "changeDate": iso(at)}
        ticket.update(status=word, statusChangeReason=reason, statusChangeDate=iso(at))
        ticket["lastUpdate"] = iso(at)
        ticket["statusChange"].append(change)
        if word == "resolved":
            ticket["resolutionDate"] = iso(at)
        ticket["note"].append(
            {
                "id": f"{ticket['id']}-{len(ticket['note']) + 1}",
                "author": SUPPLIER_DESK,
                "date": iso(at),
                "text": f"{STATUS_NOTES.get(word, word)} {reason}".strip(),
            }
        )
        self._sent[fault.pk] = self._sent.get(fault.pk, 0) + 1
        event = {
            "eventId": f"{ticket['id']}-E{self._sent[fault.pk]}",
            "eventTime": iso(at),
            "eventType": EVENT_TYPES.get(word, STATUS_CHANGE),
            "event": {"troubleTicket": json.loads(json.dumps(ticket))},
        }
        return self._deliver(event)

    def _ticket(self, fault: Fault, at: datetime) -> dict[str, Any]:
        """The ticket as the supplier made it of the raise we sent it."""
        if fault.pk not in self._tickets:
            raised = OutboundMessage.objects.get(fault=fault, operation=PartnerOperation.RAISE)
            body = json.loads(raised.body)
            ticket_id = f"TT-{TICKET_NUMBER_BASE + fault.pk}"
            created = iso(fault.submitted_at or at)
            ticket = {key: value for key, value in body.items() if key not in SERVER_FIELDS}
            ticket.update(
                id=ticket_id,
                href=f"{self.partner.base_url.rstrip('/')}/troubleTicket/{ticket_id}",
                creationDate=created,
                statusChange=[],
                note=[{**note, "date": created} for note in body.get("note", [])],
            )
            self._tickets[fault.pk] = ticket
        return self._tickets[fault.pk]

    def _take_our_notes(self, ticket: dict[str, Any], fault: Fault, at: datetime) -> None:
        """The notes our later calls added (a comment, the reason of a rejection), once each."""
        have = {note.get("id") for note in ticket["note"]}
        calls = OutboundMessage.objects.filter(fault=fault).exclude(
            operation=PartnerOperation.RAISE
        )
        for call in calls.order_by("id"):
            for note in json.loads(call.body or "{}").get("note", []):
                if note.get("id") not in have:
                    ticket["note"].append({**note, "date": iso(at)})
                    have.add(note.get("id"))

    def _deliver(self, event: dict[str, Any]) -> InboundMessage:
        # The listener's edge protocol: imported when a demo event is told, so that loading the
        # rest of the demo does not need it.
        from integrations.tmf621.endpoint import ListenerProtocol

        listener = ListenerProtocol()
        listener.event_type = event["eventType"]
        listener.callback = f"{self.partner.tmf621.callback_url}/listener/{event['eventType']}"
        body = json.dumps(event).encode()
        answer = receive_message(listener, self._edge(), body, Caller(SIMULATOR_ADDRESS, ""))
        if answer.status_code != 201:
            raise DemoTmfSupplierRefused(answer.content.decode(errors="replace"))
        stored = InboundMessage.objects.get(partner=self.partner, message_id=event["eventId"])
        inbox_apply(inbound_id=stored.pk)
        stored.refresh_from_db()
        if stored.last_error:
            raise DemoTmfSupplierRefused(stored.last_error)
        return stored

    def _edge(self) -> PartnerEdge:
        # Built here rather than read from the per-process cache, as DemoSupplier does.
        codes = list(
            self.partner.buyer_identifiers.filter(is_active=True).values_list("code", "is_default")
        )
        return PartnerEdge(
            partner=self.partner,
            buyer_codes=frozenset(code for code, _ in codes),
            default_buyer_code=next((code for code, default in codes if default), ""),
        )
