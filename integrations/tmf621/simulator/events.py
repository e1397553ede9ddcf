"""The events the supplier posts to a listener (v4 notification structures): `eventId`,
`eventTime`, `eventType`, `fieldPath` on the two kinds that have one, and the ticket — whole, as
v4 carries it (`"event": {"troubleTicket": {…}}`), or only its id, as MEF 124's notifications do
(`"event": {"id": …}`: the buyer GETs the ticket)."""

import copy
from datetime import datetime
from typing import Any

from integrations.tmf621.simulator.tickets import timestamp

__all__ = ["event_body", "listener_url"]


def event_body(
    *,
    event_id: str,
    event_type: str,
    ticket: dict[str, Any],
    at: datetime,
    id_only: bool,
    field_path: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "eventId": event_id,
        "eventTime": timestamp(at),
        "eventType": event_type,
    }
    if field_path:
        body["fieldPath"] = field_path
    body["event"] = {"id": ticket["id"]} if id_only else {"troubleTicket": copy.deepcopy(ticket)}
    return body


def listener_url(callback: str, event_type: str) -> str:
    """Where a listener registered with `callback` hears of `event_type` (v4's
    `/listener/{eventType}` paths, under the callback)."""
    return f"{callback.rstrip('/')}/listener/{event_type}"
