"""Our listener's registration with the supplier (seed 002: `POST /hub` "sets the communication
endpoint", `DELETE /hub` "resets" it; v4's `EventSubscription`). Done from the admin when the
partner is set up, and answered at once: the subscription id the supplier gives is kept on the
`Tmf621Connection`, and stopping deletes that subscription."""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import quote

from django.utils import timezone

from integrations.http import OutboundRequest
from integrations.models import Partner
from integrations.tmf621 import builders
from integrations.tmf621.calls import SupplierCallFailed, read_json, supplier_call
from integrations.tmf621.models import Tmf621Connection
from integrations.tmf621.package import PROTOCOL

JSON_HEADERS = {"Accept": "application/json"}


def listener_callback(site_url: str, partner: Partner) -> str:
    """Our listener's URL for this partner on the site at `site_url` ("https://noc.example"):
    where the package's URLs are mounted (config/urls.py), then the partner. The supplier
    appends `/listener/<eventType>`."""
    return f"{site_url.rstrip('/')}/integrations/{PROTOCOL}/{partner.slug}"


def hub_register(*, connection: Tmf621Connection, at: datetime | None = None) -> str:
    """POST hub with our callback; keeps and returns the subscription id. A connection already
    registered is refused: stop it first (the supplier would otherwise post every event
    twice)."""
    partner = connection.partner
    if connection.hub_id:
        raise SupplierCallFailed(
            f"{partner} already sends its events to us (subscription {connection.hub_id}): "
            "stop them first to register again."
        )
    if not connection.callback_url:
        raise SupplierCallFailed(f"No callback URL is set for {partner}.")
    body = builders.build_hub(callback=connection.callback_url)
    result = supplier_call(
        partner,
        OutboundRequest(
            message_type="registerListener",
            method="POST",
            path="hub",
            headers=JSON_HEADERS,
            body=json.dumps(body),
            content_type=builders.CONTENT_TYPE,
        ),
    )
    answer = read_json(result.body)
    subscription = answer.get("id") if isinstance(answer, dict) else None
    if not isinstance(subscription, str | int) or isinstance(subscription, bool):
        raise SupplierCallFailed(
            f"{partner} answered HTTP {result.status_code} without a subscription id: it may "
            "send events, but we cannot stop them from here."
        )
    connection.hub_id = str(subscription)
    connection.hub_registered_at = at or timezone.now()
    connection.save(update_fields=["hub_id", "hub_registered_at"])
    return connection.hub_id


def hub_stop(*, connection: Tmf621Connection) -> bool:
    """DELETE hub/{id}; forgets the subscription. Returns False when the supplier no longer
    knew it (404): nothing to stop, forgotten all the same."""
    partner = connection.partner
    if not connection.hub_id:
        raise SupplierCallFailed(f"{partner} has no subscription of ours to stop.")
    request = OutboundRequest(
        message_type="unregisterListener",
        method="DELETE",
        path=f"hub/{quote(connection.hub_id, safe='')}",
        headers=JSON_HEADERS,
    )
    known = True
    try:
        supplier_call(partner, request)
    except SupplierCallFailed as exc:
        if exc.status_code != 404:
            raise
        known = False
    connection.hub_id = ""
    connection.hub_registered_at = None
    connection.save(update_fields=["hub_id", "hub_registered_at"])
    return known
