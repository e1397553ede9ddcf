"""The listener's part of the inbound edge: a TMF621 event read once (`events`), identified for
the inbox, answered as v4 says (201 with `{"id", "callback"}`, or a v4 `Error`);
`integrations.edge` authenticates, limits and stores. Nothing here applies the event;
`integrations.inbox` does that after the answer (`inbound.apply_inbound`)."""

import json

from django.http import HttpResponse

from integrations.edge import Identified, Subject, Unreadable
from integrations.partner_cache import PartnerEdge
from integrations.tmf621.errors import CONTENT_TYPE, tmf_error_response
from integrations.tmf621.events import EventUnreadable, TicketEvent, read_event_body

UNKNOWN_BUYER = "The ticket's buyer (relatedParty, role buyer) is not one of our buyer ids."
WRONG_BUYER = "That ticket is not ours under the buyer it names."
UNKNOWN_TICKET = "No fault of ours has that ticket: neither its externalId nor its id is known."
# MEF 124's code for what the edge refuses once the event is read: it names what we lack.
_CODES = dict.fromkeys((UNKNOWN_BUYER, WRONG_BUYER, UNKNOWN_TICKET), "referenceNotFound")


class ListenerProtocol:
    """A TMF621 event at the inbound edge (`integrations.edge`). The view sets `event_type`
    (v4's name of the URL's event) and `callback` (the URL posted to) before the edge runs."""

    content_types = frozenset({"application/json"})
    unknown_buyer_error = UNKNOWN_BUYER
    wrong_buyer_error = WRONG_BUYER
    unknown_fault_error = UNKNOWN_TICKET
    event_type: str
    callback: str

    def parse(self, body: bytes) -> TicketEvent:
        try:
            return read_event_body(body, url_event_type=self.event_type)
        except EventUnreadable as exc:
            raise Unreadable(exc.reason) from exc

    def identify(self, event: TicketEvent) -> Identified:
        return Identified(
            message_type=event.event_type,
            message_id=event.event_id,
            subject=Subject(
                buyer_identifier=event.buyer_identifier,
                buyer_fault_reference=event.buyer_fault_reference,
                partner_fault_reference=event.ticket_id,
            ),
            sent_at=event.event_time,
            deviations=event.deviations,
        )

    def answer(
        self,
        edge: PartnerEdge,
        event: TicketEvent | None,
        *,
        status: int,
        error: str | None = None,
    ) -> HttpResponse:
        """v4's listener answer: 201 with the event's id and our callback (an `EventSubscription`),
        the duplicate of an event included; a refusal in TMF's error shape."""
        if error is not None:
            return tmf_error_response(status=status, reason=error, code=_CODES.get(error))
        body = {"id": event.event_id, "callback": self.callback}
        return HttpResponse(json.dumps(body), status=201, content_type=CONTENT_TYPE)
