"""The rules the supplier applies to what it receives, each refusal a TMF error:

- the content type: JSON in UTF-8 (v4 `consumes`), `application/merge-patch+json` too on a PATCH
  (MEF 124 follows RFC 7386), else 415;
- the body: JSON, an object, else 400 `invalidBody`;
- the v4 schema with the seed's and MEF 124's profile, and the seed's field table (required and
  prohibited fields per ticket type and method): `integrations.tmf621.schema`, 400 `invalidBody`
  listing every problem; an attachment's `content` must be base64 (seed 002);
- what a buyer may do to a ticket's status (MEF 124 use cases 5 and 6): close or reopen a
  resolved ticket (a reopen says why), cancel one still being worked on; a ticket that is
  closed, cancelled or rejected takes no more changes (409 `conflict`).
"""

import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qs

from integrations.tmf621.schema import EVENT_TYPES, field_table_errors, validation_errors
from integrations.tmf621.simulator.replies import TmfError, error_list
from integrations.tmf621.simulator.state import is_callback_url

__all__ = [
    "BUYER_STATUSES",
    "CANCELLABLE",
    "TERMINAL",
    "check_buyer_change",
    "check_create",
    "check_hub",
    "check_update",
    "event_types_wanted",
    "json_object",
]

JSON_TYPES = frozenset({"application/json"})
PATCH_TYPES = frozenset({"application/json", "application/merge-patch+json"})
TERMINAL = frozenset({"closed", "cancelled", "rejected"})
BUYER_STATUSES = ("closed", "reopened", "cancelled")
CANCELLABLE = frozenset({"submitted", "acknowledged", "inProgress", "pending", "held"})


def _invalid_body(reason: str, message: str = "") -> TmfError:
    return TmfError(400, "invalidBody", reason, message)


def json_object(content_type: str, body: bytes, *, patch: bool = False) -> dict[str, Any]:
    """The request's JSON object, or the TmfError that refuses it."""
    media, _, parameters = (content_type or "").partition(";")
    media = media.strip().lower()
    accepted = PATCH_TYPES if patch else JSON_TYPES
    charset = ""
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    if media not in accepted or charset not in ("", "utf-8", "utf8"):
        raise TmfError(
            415,
            "unsupportedMediaType",
            "Unsupported media type",
            f"expected {' or '.join(sorted(accepted))} in UTF-8, not {content_type[:80]!r}",
        )
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _invalid_body("The request has an invalid body", f"not JSON: {exc}"[:300]) from None
    if not isinstance(value, dict):
        raise _invalid_body("The request has an invalid body", "expected a JSON object")
    return value


def _attachment_errors(body: dict[str, Any]) -> list[str]:
    errors = []
    items = body.get("attachment")
    for index, item in enumerate(items if isinstance(items, list) else []):
        content = item.get("content") if isinstance(item, dict) else None
        if not isinstance(content, str):
            continue
        try:
            base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            errors.append(f"attachment[{index}].content: not base64")
    return errors


def _checked(kind: str, method: str, body: dict[str, Any], reason: str) -> None:
    errors = [
        *validation_errors(kind, body),
        *field_table_errors(body, method=method),
        *_attachment_errors(body),
    ]
    if errors:
        raise _invalid_body(reason, error_list(errors))


def check_create(body: dict[str, Any]) -> None:
    _checked("create", "POST", body, "Invalid trouble ticket")


def check_update(body: dict[str, Any]) -> None:
    if not body:
        raise _invalid_body("Invalid trouble ticket update", "nothing to update")
    _checked("update", "PATCH", body, "Invalid trouble ticket update")


def check_buyer_change(ticket_id: str, status: str, body: dict[str, Any]) -> None:
    """What a PATCH asks of a ticket in `status`, beyond the schema: 400 or 409 if the supplier
    will not do it. Asking for the status the ticket has already is no change."""
    requested = body.get("status")
    if requested is not None and requested not in BUYER_STATUSES:
        raise _invalid_body(
            "Invalid trouble ticket update",
            f"status: the buyer sets only {', '.join(BUYER_STATUSES)}, not {requested!r}",
        )
    other_fields = set(body) - {"status", "statusChangeReason"}
    if status in TERMINAL and (other_fields or requested not in (None, status)):
        raise _conflict(f"Ticket {ticket_id} is {status}: it takes no more changes")
    if requested is None or requested == status:
        return
    if requested in ("closed", "reopened") and status != "resolved":
        raise _conflict(f"Only a resolved ticket can be {requested}; {ticket_id} is {status}")
    if requested == "reopened" and not str(body.get("statusChangeReason") or "").strip():
        raise _invalid_body(
            "Invalid trouble ticket update",
            "statusChangeReason: required to reopen a ticket (MEF 124 R43: say why)",
        )
    if requested == "cancelled" and status not in CANCELLABLE:
        raise _conflict(f"A {status} ticket cannot be cancelled ({ticket_id})")


def _conflict(message: str) -> TmfError:
    return TmfError(409, "conflict", "The ticket's status does not allow this", message)


def event_types_wanted(query: str) -> frozenset[str] | None:
    """The event types a subscription's `query` asks for (`eventType=a,b` or
    `eventType=a&eventType=b`, MEF 124 R58); None: every one."""
    values = parse_qs(query or "").get("eventType", [])
    wanted = {name.strip() for value in values for name in value.split(",") if name.strip()}
    unknown = sorted(name for name in wanted if name not in EVENT_TYPES)
    if unknown:
        raise _invalid_body(
            "Invalid subscription",
            f"query: unknown eventType {', '.join(unknown)} (known: {', '.join(EVENT_TYPES)})",
        )
    return frozenset(wanted) or None


def check_hub(body: dict[str, Any]) -> frozenset[str] | None:
    """A POST /hub body; the event types it subscribes to (None: all)."""
    errors = validation_errors("hub", body)
    if not errors and not is_callback_url(body["callback"]):
        errors.append("callback: expected an http(s) URL")
    if errors:
        raise _invalid_body("Invalid subscription", error_list(errors))
    return event_types_wanted(body.get("query", ""))
