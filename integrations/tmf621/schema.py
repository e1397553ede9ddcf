"""The contract of a TMF621 message, checked before a request leaves and when one arrives.

Two layers, both loaded once per process:

* **The official TMF621 v4.0.0 schemas** (`spec/`, a copy of TM Forum's Swagger 2 document),
  read as JSON Schema draft 4 with `jsonschema`. `validate(kind, body)` checks a body against one
  definition (`TroubleTicket_Create`, `TroubleTicket_Update`, `EventSubscriptionInput`, an
  event…) with the **profile** applied: the few places where the supplier's own API (seed 002)
  and MEF 124 (the buyer/seller profile of TMF621) knowingly differ from v4. Each difference is
  listed in `PROFILE`, with where it comes from; `v4_errors` checks the plain v4 schema, so a test
  can show that a body departs from v4 only there.
* **The seed's field table** (seed 002, "Fields Description", pages 13-17): which fields are
  Required, Optional or Prohibited per ticket type (Customer_Trouble_Ticket, Complaint) and
  method (POST, PATCH). The OCR lost many of its letters; `FIELD_TABLE` keeps the ones that can
  be read and fills the rest from v4 (what v4 requires on create) and from the table's legend
  (what "the trouble ticket system" sets is Prohibited to the caller). `field_table_errors`
  checks a body against it.

Both return every problem, as "path: what is wrong" strings a partner's engineer can act on.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_PATH = (
    Path(__file__).parent / "spec" / "TMF621_Trouble_Ticket_Management_API_v4.0.0_swagger.json"
)
_BASE_URI = "urn:tmf621:v4"

# The ticket types and subtypes of seed 002.
TICKET_TYPES = ("Customer_Trouble_Ticket", "Complaint")
TICKET_SUBTYPES = ("Financial", "Activation", "Maintenance", "Other")
SEVERITIES = ("High", "Medium", "Low")
PRIORITY_RANGE = (1, 10)  # 1 highest, 10 lowest (seed 002 v1.3.0: "changed to numeric")

# What a body is checked as: the v4 definition of each kind of message.
KINDS = {
    "create": "TroubleTicket_Create",
    "update": "TroubleTicket_Update",
    "ticket": "TroubleTicket",
    "hub": "EventSubscriptionInput",
    "subscription": "EventSubscription",
    "error": "Error",
    "troubleTicketAttributeValueChangeEvent": "TroubleTicketAttributeValueChangeEvent",
    "troubleTicketStatusChangeEvent": "TroubleTicketStatusChangeEvent",
    "troubleTicketResolvedEvent": "TroubleTicketResolvedEvent",
    "troubleTicketInformationRequiredEvent": "TroubleTicketInformationRequiredEvent",
}
EVENT_TYPES = tuple(kind for kind in KINDS if kind.endswith("Event"))
_TICKET_DEFINITIONS = ("TroubleTicket", "TroubleTicket_Create", "TroubleTicket_Update")


@dataclass(frozen=True)
class Deviation:
    """One knowing difference from v4: where (`definitions`, `prop`), what, and why."""

    definitions: tuple[str, ...]
    prop: str
    schema: dict[str, Any] | None  # the property's schema in the profile; None: enum addition
    source: str


PROFILE: tuple[Deviation, ...] = (
    Deviation(
        _TICKET_DEFINITIONS,
        "priority",
        {"type": "integer", "minimum": PRIORITY_RANGE[0], "maximum": PRIORITY_RANGE[1]},
        "seed 002 v1.3.0: priority is an Integer from 1 (highest) to 10 (lowest); v4 has a string",
    ),
    Deviation(
        _TICKET_DEFINITIONS,
        "ticketSubtype",
        {"type": "string", "enum": list(TICKET_SUBTYPES)},
        "seed 002, custom field: Financial, Activation, Maintenance or Other",
    ),
    Deviation(
        _TICKET_DEFINITIONS,
        "origin",
        {"type": "string"},
        "seed 002, custom field: External System, Phone, Email or Web",
    ),
    Deviation(
        ("TroubleTicketStatusType",),
        "reopened",
        None,
        "MEF 124: `reopened`, the buyer rejected the resolution (and `assessingCancellation`)",
    ),
    Deviation(
        ("TroubleTicketStatusType",),
        "assessingCancellation",
        None,
        "MEF 124: the seller is assessing the buyer's request to cancel",
    ),
    Deviation(
        ("TroubleTicketStatusType",),
        "submitted",
        None,
        "seed 002: `submitted`, received and not yet acknowledged",
    ),
)


@cache
def _spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


def _profiled(spec: dict[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    definitions = spec["definitions"]
    for deviation in PROFILE:
        for name in deviation.definitions:
            definition = definitions[name]
            if deviation.schema is None:
                definition["enum"] = [*definition["enum"], deviation.prop]
            else:
                definition.setdefault("properties", {})[deviation.prop] = deviation.schema
    # Severity's values are v4's own description ("High, Medium, Low"); the seed makes it a list.
    for name in _TICKET_DEFINITIONS:
        properties = definitions[name]["properties"]
        properties["severity"] = {"type": "string", "enum": list(SEVERITIES)}
        properties["ticketType"] = {"type": "string", "enum": list(TICKET_TYPES)}
    return spec


def _is_date_time(value: object) -> bool:
    """RFC 3339 date-time, as v4's `format: date-time` means (jsonschema checks the format only
    with an extra package; this is the one check we need). Non-strings are the type's business."""
    if not isinstance(value, str):
        return True
    if len(value) < 20 or value[10] not in "Tt" or not (value[-1] in "Zz" or value[-6] in "+-"):
        return False  # a date alone, or a time without its offset, is no RFC 3339 date-time
    try:
        datetime.fromisoformat(value[:-1] + "+00:00" if value[-1] in "Zz" else value)
    except ValueError:
        return False
    return True


_FORMATS = FormatChecker(formats=())
_FORMATS.checks("date-time")(_is_date_time)


@cache
def _validator(definition: str, *, profiled: bool) -> Draft4Validator:
    document = _profiled(_spec()) if profiled else _spec()
    uri = f"{_BASE_URI}:{'profile' if profiled else 'v4'}"
    resource = Resource.from_contents(document, default_specification=DRAFT4)
    registry = Registry().with_resource(uri, resource)
    return Draft4Validator(
        {"$ref": f"{uri}#/definitions/{definition}"},
        registry=registry,
        format_checker=_FORMATS,
    )


def _errors(kind: str, body: Any, *, profiled: bool) -> list[str]:
    definition = KINDS.get(kind, kind)
    validator = _validator(definition, profiled=profiled)
    found = sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{_path(error.absolute_path)}: {error.message}" for error in found]


def _path(parts: Any) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)
    return path.lstrip(".") or "(body)"


def validation_errors(kind: str, body: Any) -> list[str]:
    """Every problem of `body` as a message of this kind (a `KINDS` key or a v4 definition
    name) under v4 with the profile; [] when it is valid."""
    return _errors(kind, body, profiled=True)


def v4_errors(kind: str, body: Any) -> list[str]:
    """The same against the plain v4 schema, without the profile."""
    return _errors(kind, body, profiled=False)


class InvalidMessage(ValueError):
    """A body that breaks the contract; `errors` lists every problem."""

    def __init__(self, kind: str, errors: list[str]) -> None:
        super().__init__(f"Not a valid TMF621 {kind}: " + "; ".join(errors))
        self.kind = kind
        self.errors = errors


def validate(kind: str, body: Any) -> None:
    """Raise `InvalidMessage` unless `body` is a valid message of this kind (v4 + profile)."""
    errors = validation_errors(kind, body)
    if errors:
        raise InvalidMessage(kind, errors)


# --- the seed's field table ------------------------------------------------------------------
REQ, OPT, PRO = "R", "O", "P"  # required, optional, prohibited (seed 002's legend)


@dataclass(frozen=True)
class Rule:
    """A field's requirement for (Customer_Trouble_Ticket POST, PATCH, Complaint POST, PATCH)."""

    trouble_post: str
    trouble_patch: str
    complaint_post: str
    complaint_patch: str

    def for_(self, ticket_type: str, method: str) -> str:
        trouble = ticket_type != "Complaint"
        if method == "POST":
            return self.trouble_post if trouble else self.complaint_post
        return self.trouble_patch if trouble else self.complaint_patch


def _all(value: str) -> Rule:
    return Rule(value, value, value, value)


# Top-level fields. What "the trouble ticket system" sets is prohibited to the caller.
FIELD_TABLE: dict[str, Rule] = {
    "id": _all(PRO),
    "href": _all(PRO),
    "creationDate": _all(PRO),
    "lastUpdate": _all(PRO),
    "statusChangeDate": _all(PRO),
    "statusChange": _all(PRO),
    "resolutionDate": _all(PRO),
    "expectedResolutionDate": _all(PRO),
    "troubleTicketRelationship": _all(PRO),
    # The buyer sets a status only to cancel, close or reopen (MEF 124); never on create.
    "status": Rule(PRO, OPT, PRO, OPT),
    "description": Rule(REQ, OPT, REQ, OPT),
    "severity": Rule(REQ, OPT, REQ, OPT),
    "ticketType": Rule(REQ, PRO, REQ, PRO),
    "ticketSubtype": _all(OPT),
    # The service the ticket is about: required for a trouble ticket ("R/PD"), not a complaint.
    "relatedEntity": Rule(REQ, OPT, OPT, OPT),
    "relatedParty": Rule(REQ, OPT, REQ, OPT),
    "externalId": Rule(OPT, PRO, OPT, PRO),
    "name": _all(OPT),
    "priority": _all(OPT),
    "note": _all(OPT),
    "attachment": _all(OPT),
    "channel": _all(OPT),
    "origin": _all(OPT),
    "statusChangeReason": _all(OPT),
    "requestedResolutionDate": _all(OPT),
}
# Fields of the items of an array field (seed pages 16-17).
ITEM_TABLE: dict[str, dict[str, str]] = {
    "attachment": {"content": REQ, "mimeType": REQ, "size": OPT, "name": OPT, "description": OPT},
    "note": {"date": PRO, "id": OPT, "author": OPT, "text": REQ},
    "relatedEntity": {"id": REQ, "@referredType": REQ, "role": REQ, "href": OPT, "name": OPT},
    "relatedParty": {"id": REQ, "@referredType": REQ, "role": REQ, "href": OPT, "name": OPT},
}


def field_table_errors(body: Any, *, method: str) -> list[str]:
    """Every breach of the seed's field table by a POST or PATCH body; the ticket type is the
    body's own (for a PATCH, which carries none, a trouble ticket's rules apply)."""
    if not isinstance(body, dict):
        return ["(body): must be a JSON object"]
    ticket_type = body.get("ticketType") if isinstance(body.get("ticketType"), str) else ""
    errors = []
    for name, rule in FIELD_TABLE.items():
        need = rule.for_(ticket_type, method)
        present = name in body
        if need == REQ and not present:
            errors.append(f"{name}: required on {method} of a {ticket_type or 'ticket'}")
        elif need == PRO and present:
            errors.append(f"{name}: not allowed on {method} (set by the ticket system)")
    for name, fields in ITEM_TABLE.items():
        items = body.get(name)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            for field, need in fields.items():
                if need == REQ and field not in item:
                    errors.append(f"{name}[{index}].{field}: required")
                elif need == PRO and field in item:
                    errors.append(
                        f"{name}[{index}].{field}: not allowed (set by the ticket system)"
                    )
    return errors
