"""Reading a ticket back from the supplier: `GET troubleTicket/{id}`, when an event carries only
the ticket's id (MEF 124). Through the partner's hardened session (`integrations.http`), which
carries the access token once the package's `session_auth` hook gives it one.

Every failure is `TicketFetchFailed`: the inbox keeps the event and tries it again later."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import requests

from integrations.http import partner_session, partner_url
from integrations.tmf621.tickets import clean_text, ticket_id

if TYPE_CHECKING:
    from integrations.models import Partner


class TicketFetchFailed(Exception):
    """The supplier did not give us the ticket; `reason` says what happened."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def ticket_path(the_ticket_id: str) -> str:
    """The ticket's path under the partner's base URL; the id is one path segment, whatever it
    holds."""
    return f"troubleTicket/{quote(the_ticket_id, safe='')}"


def _refusal(response: requests.Response) -> str:
    """The supplier's reason, from its TMF error body when it sent one."""
    try:
        error = json.loads(response.content)
    except (ValueError, RecursionError):
        return ""
    if not isinstance(error, dict):
        return ""
    return clean_text(str(error.get("reason") or error.get("message") or ""))[:300]


def fetch_ticket(partner: Partner, the_ticket_id: str) -> dict[str, Any]:
    """The ticket as the supplier has it now. Raises `TicketFetchFailed`."""
    path = ticket_path(the_ticket_id)
    if partner.credentials_broken_at:
        # The outbox has stopped calling this partner until an admin fixes our credentials.
        raise TicketFetchFailed(f"GET {path} not sent: the supplier refused our credentials.")
    try:
        with partner_session(partner) as session:
            response = session.get(
                partner_url(partner, path), headers={"Accept": "application/json"}
            )
    except requests.RequestException as exc:
        raise TicketFetchFailed(f"GET {path} failed: {exc}") from exc
    if response.status_code != 200:
        refusal = _refusal(response)
        raise TicketFetchFailed(
            f"GET {path} answered HTTP {response.status_code}" + (f": {refusal}" if refusal else "")
        )
    try:
        ticket = json.loads(response.content)
    except (ValueError, RecursionError) as exc:
        raise TicketFetchFailed(f"GET {path} answered something that is not JSON: {exc}") from exc
    if not isinstance(ticket, dict):
        raise TicketFetchFailed(f"GET {path} answered JSON that is not a ticket.")
    answered = ticket_id(ticket)
    if answered != the_ticket_id:
        raise TicketFetchFailed(
            f"GET {path} answered with the ticket {clean_text(str(answered))[:40]!r}."
        )
    return ticket
