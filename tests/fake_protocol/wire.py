"""The fake protocol's messages, all JSON:

* outbound, `POST <base_url>/<messageType>`: {"messageId", "messageType", "sentAt",
  "buyerIdentifier", "buyerFaultReference", "operation", "payload"} plus, for a raise, the
  fault's own fields;
* the partner's answer to it: {"status": …, "reason": …} (both optional);
* inbound, `POST /integrations/fake/<slug>/notify/`: {"messageId", "buyerIdentifier",
  "buyerFaultReference", "sentAt", "status", "maintainerFaultReference", "update"};
* our answer to that, errors included: {"code": <the HTTP status>, "messageId", "error"};
* a domain event, to a partner that subscribes to them, `POST <base_url>/events`: {"messageId",
  "messageType": "fault.event", "eventType" (the event's class, e.g. "StatusChanged"), "sentAt",
  "buyerFaultReference", "event": {the event's own fields, e.g. "from_status", "to_status"}}.

Nothing here touches the database."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.dateparse import parse_datetime

CONTENT_TYPE = "application/json"
NOTIFY = "fault.notify"
EVENT = "fault.event"
EVENTS_PATH = "events"
REQUIRED = ("messageId", "buyerIdentifier", "buyerFaultReference", "status")


class Unreadable(ValueError):
    """The body is not a notification of this protocol; the text says why."""


@dataclass(frozen=True)
class Notification:
    message_id: str
    buyer_identifier: str
    buyer_fault_reference: str
    status: str
    sent_at: datetime | None
    maintainer_fault_reference: str
    update: str


def message_type(operation: str) -> str:
    return f"fault.{operation}"


def outbound_body(
    *,
    message_id: str,
    operation: str,
    sent_at: datetime,
    buyer_identifier: str,
    buyer_fault_reference: str,
    payload: dict[str, Any],
    fault_fields: dict[str, Any] | None = None,
) -> str:
    document = {
        "messageId": message_id,
        "messageType": message_type(operation),
        "sentAt": sent_at,
        "buyerIdentifier": buyer_identifier,
        "buyerFaultReference": buyer_fault_reference,
        "operation": operation,
        "payload": payload,
        **({"fault": fault_fields} if fault_fields else {}),
    }
    return json.dumps(document, cls=DjangoJSONEncoder, sort_keys=True)


def event_body(
    *,
    message_id: str,
    event_type: str,
    sent_at: datetime,
    buyer_fault_reference: str,
    fields: dict[str, Any],
) -> str:
    document = {
        "messageId": message_id,
        "messageType": EVENT,
        "eventType": event_type,
        "sentAt": sent_at,
        "buyerFaultReference": buyer_fault_reference,
        "event": fields,
    }
    return json.dumps(document, cls=DjangoJSONEncoder, sort_keys=True)


def partner_answer(body: bytes) -> dict[str, Any]:
    """The partner's answer to one of our messages, as far as it can be read ({} if not)."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return {}
    return document if isinstance(document, dict) else {}


def _document(body: bytes) -> dict[str, Any]:
    if not body.strip():
        raise Unreadable("empty body")
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Unreadable(f"Unreadable JSON: {exc}") from None
    if not isinstance(document, dict):
        raise Unreadable("Expected a JSON object.")
    return document


def parse_notification(body: bytes) -> Notification:
    document = _document(body)
    for name in REQUIRED:
        value = document.get(name)
        if not isinstance(value, str) or not value.strip():
            raise Unreadable(f"missing {name}")
    sent_at = None
    if document.get("sentAt"):
        try:
            sent_at = parse_datetime(str(document["sentAt"]))
        except ValueError:  # well formed but impossible, e.g. 30 February
            sent_at = None
        if sent_at is None or sent_at.tzinfo is None:
            raise Unreadable("sentAt is not a date and time with a zone")
    return Notification(
        message_id=document["messageId"].strip(),
        buyer_identifier=document["buyerIdentifier"].strip(),
        buyer_fault_reference=document["buyerFaultReference"].strip(),
        status=document["status"].strip(),
        sent_at=sent_at,
        maintainer_fault_reference=str(document.get("maintainerFaultReference") or ""),
        update=str(document.get("update") or ""),
    )


def echo_message_id(body: bytes | None) -> str:
    """The message id of a body already read, for an error answer; "" when there is none."""
    try:
        value = _document(body or b"").get("messageId")
    except Unreadable:
        return ""
    return value if isinstance(value, str) else ""


def answer(*, code: int, message_id: str = "", error: str = "") -> bytes:
    return json.dumps({"code": code, "messageId": message_id, "error": error}).encode()
