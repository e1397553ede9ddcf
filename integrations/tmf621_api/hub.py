"""The hub's domain-event subscriber (declared in package.py): every change of a fault, as the
v4 events it is (`events.hub_events`), written in the change's transaction as one outbox message
per (subscription that wants it, event), posted to `{callback}/listener/{eventType}`.

Nothing is sent here: the outbox sends after commit, from the worker, in order per (subscriber,
fault), retried with backoff, dead after the subscriber's last attempt; a listener that is down
costs the change nothing. An event recorded as the demo's past (`history=True`) is no news to
anyone: nothing is written.

A draft waits on us, and its information required event says so; but a draft raised in the same
change (the raise form's "Raise", a complete ticket POSTed to the API) never waited on anyone:
when its status changes before the commit, that event is taken back, as if never written (it is
not committed yet). The subscriber hears of its creation and its status change only.

Which ticket an event carries. The change's subscribers are called while it is being made, when
the fault may not be saved yet (a status's audit row is written before the fault) and the
ticket's own attributes may not be stored yet (a ticket raised through the API stores them after
the fault is created). So each message is written held (`outbox_enqueue(held_until=…)`), with
the ticket as the database holds it then, and released right after the commit, before its
delivery is queued, with the ticket as the change committed it (`outbox_release`): what the
subscriber gets. Should the release never come (the process ended between the commit and it),
the message is sent as written once its hold ends.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from faults.choices import FaultStatus
from faults.events import DomainEvent, FaultCreated, StatusChanged
from faults.models import Fault
from integrations.http import OutboundRequest
from integrations.outbox import new_message_id, outbox_enqueue, outbox_release, outbox_take_back
from integrations.tmf621_api import events, representation
from integrations.tmf621_api.models import HubSubscription

logger = logging.getLogger(__name__)
# How long a message waits for its release after the commit before it is sent as written.
RELEASE_WITHIN = timedelta(minutes=1)
# The information required events of the drafts created in the change being made (this thread's
# transaction), by fault; emptied for a fault when its change commits.
_draft_events: ContextVar[dict[int, list[int]] | None] = ContextVar(
    "tmf621_hub_draft_events", default=None
)


def events_base_url() -> str:
    """The API's absolute base for the tickets' `href`s in events, which are built outside any
    request: `TMF_API_BASE_URL`, else the development server's in DEBUG, else the API's path
    alone (set the setting in production)."""
    return representation.configured_base_url() or representation.API_PATH


def notify_subscribers(event: DomainEvent) -> None:
    if event.history:
        return
    if isinstance(event, StatusChanged) and event.from_status == FaultStatus.DRAFT:
        _take_back_draft_events(event.fault_id)
    hub_events = events.hub_events(event)
    if not hub_events:
        return
    subscriptions = (
        HubSubscription.objects.filter(deleted_at__isnull=True, partner__is_active=True)
        .select_related("partner")
        .order_by("pk")
    )
    deliveries = [
        (subscription, hub_event)
        for subscription in subscriptions
        for hub_event in hub_events
        if subscription.wants(hub_event.event_type)
    ]
    if not deliveries:
        return
    written: list[tuple[int, dict[str, Any]]] = []
    # Registered before the messages are written, so that it runs before their deliveries are
    # queued (on-commit callbacks run in the order they were registered).
    transaction.on_commit(
        lambda: release_with_ticket(fault_id=event.fault_id, written=written), robust=True
    )
    fault = Fault.objects.get(pk=event.fault_id)
    ticket = _ticket_now(fault)
    held_until = timezone.now() + RELEASE_WITHIN
    drafts: list[int] = []
    for subscription, hub_event in deliveries:
        message_id = new_message_id()
        body = events.event_body(
            event_id=message_id, hub_event=hub_event, at=event.at, ticket=ticket
        )
        message = outbox_enqueue(
            partner=subscription.partner,
            fault=fault,
            operation=events.OPERATION,
            payload={
                "event": type(event).__name__,
                "audit_event_id": event.audit_event_id,
                "eventType": hub_event.event_type,
                "subscription": subscription.public_id,
            },
            request=OutboundRequest(
                message_type=hub_event.event_type,
                method="POST",
                path=hub_event.listener_path,
                body=json.dumps(body),
                content_type=events.CONTENT_TYPE,
            ),
            at=event.at,
            message_id=message_id,
            held_until=held_until,
        )
        written.append((message.pk, body))
        if isinstance(event, FaultCreated) and hub_event.event_type == events.INFORMATION_REQUIRED:
            drafts.append(message.pk)
    if drafts:
        _remember_draft_events(event.fault_id, drafts)


def _remember_draft_events(fault_id: int, outbound_ids: list[int]) -> None:
    pending = _draft_events.get()
    if pending is None:
        pending = {}
        _draft_events.set(pending)
    pending[fault_id] = outbound_ids
    transaction.on_commit(lambda: pending.pop(fault_id, None))


def _take_back_draft_events(fault_id: int) -> None:
    """The draft's status changes in the change that created it: its information required
    events, not committed yet, are deleted before anyone could send them."""
    outbound_ids = (_draft_events.get() or {}).pop(fault_id, [])
    if outbound_ids:
        outbox_take_back(
            outbound_ids=outbound_ids,
            fault_id=fault_id,
            message_type=events.INFORMATION_REQUIRED,
        )


def _ticket_now(fault: Fault) -> dict[str, Any]:
    """The ticket as the database holds it inside the change. A ticket that cannot be built must
    not stop the change (an agent's, a supplier's): the event then carries the ticket's id and
    href, which a v4 listener can GET, and the release after the commit tries again."""
    try:
        with transaction.atomic():  # a database error inside leaves the change usable
            return representation.ticket(fault, base_url=events_base_url())
    except Exception:
        logger.exception("Building the TMF621 ticket of %s for the hub failed", fault)
        return _reference(fault)


def _reference(fault: Fault) -> dict[str, Any]:
    reference = fault.buyer_fault_reference
    return {
        "id": reference,
        "href": representation.ticket_href(events_base_url(), reference),
        "@type": "TroubleTicket",
    }


def release_with_ticket(*, fault_id: int, written: list[tuple[int, dict[str, Any]]]) -> int:
    """After the commit: release the change's messages with the ticket as committed (as
    written, should it not build). Returns how many were released."""
    try:
        ticket = representation.ticket(Fault.objects.get(pk=fault_id), base_url=events_base_url())
    except Exception:
        logger.exception("Building the TMF621 ticket of fault %s for the hub failed", fault_id)
        ticket = None
    released = 0
    for outbound_id, body in written:
        final = body if ticket is None else {**body, "event": {"troubleTicket": ticket}}
        released += outbox_release(outbound_id=outbound_id, body=json.dumps(final))
    return released
