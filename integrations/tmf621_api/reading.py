"""A POST or PATCH body read into what the fault services take (`TicketInput`), every problem
of the body found before anything is written, and refused at once (400) with all of them.

The body is checked against the official v4 definition (`TroubleTicket_Create`,
`TroubleTicket_Update`) for types and required attributes, except `priority`, which is read by
`priority.priority_from_wire` (v4 has a string, the supplier profile an integer: both are
read). Then what v4 leaves open:

* the service: the first `relatedEntity` whose `@referredType` is `Service` or `Product` (MEF
  124 points at the product this way); its `id` is our service ID;
* the supplier: the `relatedParty` with role `supplier` (its `id` the partner's slug); our buyer
  identifier: the one with role `buyer` (its `id` the code), else the supplier's default;
  contacts: roles `reporter`, `siteContact`, `endUser` (their `name`);
* the fault type: the characteristic `faultType`, else `ticketType` when it is one of ours,
  else MEF 124's `observedImpact` (`down`: a Service Outage; `degraded`, `intermittent`: an
  Impaired Service);
* the details the supplier needs: `troubleTicketCharacteristic` (`details.DETAILS`), and MEF
  124's `issueStartDate` (the fault start time) and `relatedContactInformation` (the
  `reporterContact`);
* `note` and `attachment` items, each one to add (`content` in base64 with a `name`, or a
  `url`).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

from faults.choices import FaultType
from faults.models import Fault
from faults.models.fault import DESCRIPTION_MAX, TEXT_MAX
from integrations.tmf621 import builders, schema
from integrations.tmf621_api.dates import parse_date_time
from integrations.tmf621_api.details import BY_NAME
from integrations.tmf621_api.errors import invalid
from integrations.tmf621_api.models import TicketAttributes
from integrations.tmf621_api.priority import priority_from_wire

# Set by the system: ignored on POST (TMF: "values a client sends for them are ignored"), and
# refused on PATCH (read-only).
SYSTEM_SET = frozenset(
    {
        "id",
        "href",
        "creationDate",
        "lastUpdate",
        "statusChange",
        "statusChangeDate",
        "resolutionDate",
        "expectedResolutionDate",
    }
)
IGNORED_ON_CREATE = SYSTEM_SET | {"status", "statusChangeReason", "@type", "@schemaLocation"}
# What a PATCH may not change: the system's attributes, and what identifies the ticket with the
# supplier (`relatedParty`'s supplier is checked where it is read).
READ_ONLY = SYSTEM_SET | {"troubleTicketRelationship"}

SERVICE_TYPES = frozenset({"service", "product"})
SUPPLIER_ROLE = "supplier"
BUYER_ROLE = "buyer"
CONTACT_FIELDS = {role: f"{prefix}_name" for prefix, role in builders.CONTACT_ROLES.items()}
OBSERVED_IMPACT = {
    "down": FaultType.SERVICE_OUTAGE,
    "degraded": FaultType.IMPAIRED_SERVICE,
    "intermittent": FaultType.IMPAIRED_SERVICE,
}
REPORTER_CONTACT = "reporterContact"
REPORTER_PARTS = {
    "name": "reporter_name",
    "number": "reporter_phone",
    "emailAddress": "reporter_email",
}
# MEF 124's attributes kept as sent in the ticket's document.
MEF_STORED = ("issueStartDate", "observedImpact", "relatedContactInformation")
_OUR_TYPES = {kind.lower(): str(kind) for kind in FaultType.values}

# Stored-as-sent strings and their column's length.
_STORED = {
    "severity": "severity",
    "ticketType": "ticket_type",
    "externalId": "external_id",
    "name": "name",
}
MAX_LENGTHS = {
    **{
        wire: TicketAttributes._meta.get_field(column).max_length
        for wire, column in _STORED.items()
    },
    "description": DESCRIPTION_MAX,
    "statusChangeReason": TEXT_MAX,
}
SERVICE_ID_MAX = Fault._meta.get_field("service_id").max_length


@dataclass
class TicketInput:
    """What a body asks for, in our terms. `fault` holds fault fields to set (only those the
    body carried); `stored` the ticket attributes kept as sent."""

    fault: dict[str, Any] = field(default_factory=dict)
    stored: dict[str, Any] = field(default_factory=dict)
    supplier: str | None = None
    buyer_identifier: str | None = None
    related_entity: list[dict[str, Any]] | None = None
    related_party: list[dict[str, Any]] | None = None
    sent_priority: Any = None
    notes: list[dict[str, Any]] = field(default_factory=list)
    files: list[tuple[dict[str, Any], bytes]] = field(default_factory=list)
    attachment_refs: list[dict[str, Any]] = field(default_factory=list)
    status: str | None = None
    reason: str = ""


def _v4_problems(kind: str, body: dict[str, Any]) -> list[str]:
    return [
        problem
        for problem in schema.v4_errors(kind, body)
        if not problem.startswith("priority") and "'priority'" not in problem
    ]


def _lengths(body: dict[str, Any]) -> list[str]:
    problems = []
    for name, limit in MAX_LENGTHS.items():
        value = body.get(name)
        if isinstance(value, str) and len(value) > limit:
            problems.append(f"{name}: at most {limit} characters (it has {len(value)})")
    return problems


class _Reader:
    """Reads one body into a TicketInput, collecting every problem."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.input = TicketInput()
        self.problems: list[str] = []

    def problem(self, text: str) -> None:
        self.problems.append(text)

    # --- simple attributes -----------------------------------------------------------------
    def simple(self) -> None:
        body = self.body
        if "description" in body and isinstance(body["description"], str):
            if not body["description"].strip():
                self.problem("description: must not be blank")
            self.input.fault["description"] = body["description"]
        for wire, column in _STORED.items():
            if isinstance(body.get(wire), str):
                self.input.stored[column] = body[wire]
        for wire in ("severity", "ticketType"):
            if wire in body and isinstance(body[wire], str) and not body[wire].strip():
                self.problem(f"{wire}: must not be blank")
        if isinstance(body.get("channel"), dict):
            self.input.stored["channel"] = body["channel"]
        if isinstance(body.get("requestedResolutionDate"), str):
            try:
                moment = parse_date_time(body["requestedResolutionDate"])
            except ValueError:
                self.problem("requestedResolutionDate: an RFC 3339 date-time")
            else:
                self.input.stored["requested_resolution_date"] = moment
                self.input.stored["requestedResolutionDate"] = body["requestedResolutionDate"]
        if "priority" in body:
            try:
                self.input.fault["priority"] = priority_from_wire(body["priority"])
            except ValueError as exc:
                self.problem(f"priority: {exc}")
            else:
                self.input.sent_priority = body["priority"]

    # --- relatedEntity and relatedParty ----------------------------------------------------
    def related_entity(self) -> None:
        entities = self.body.get("relatedEntity")
        if not isinstance(entities, list):
            return
        self.input.related_entity = entities
        for entity in entities:
            if str(entity.get("@referredType", "")).lower() in SERVICE_TYPES:
                service = entity.get("id", "")
                if not service.strip():
                    self.problem("relatedEntity: the service's id must not be blank")
                elif len(service) > SERVICE_ID_MAX:
                    self.problem(
                        f"relatedEntity: a service id has at most {SERVICE_ID_MAX} characters"
                    )
                self.input.fault["service_id"] = service
                return

    def related_party(self) -> None:
        parties = self.body.get("relatedParty")
        if not isinstance(parties, list):
            return
        kept = []
        for party in parties:
            role = str(party.get("role", ""))
            if role.lower() == SUPPLIER_ROLE:
                self.input.supplier = party["id"]
            elif role.lower() == BUYER_ROLE:
                self.input.buyer_identifier = party["id"]
            else:
                kept.append(party)
                if role in CONTACT_FIELDS and isinstance(party.get("name"), str):
                    self.input.fault[CONTACT_FIELDS[role]] = party["name"]
        self.input.related_party = kept

    # --- fault type and details ------------------------------------------------------------
    def characteristics(self) -> None:
        items = self.body.get("troubleTicketCharacteristic")
        if items is None:
            return
        if not isinstance(items, list):
            self.problem("troubleTicketCharacteristic: must be a list of {name, value}")
            return
        for index, item in enumerate(items):
            where = f"troubleTicketCharacteristic[{index}]"
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                self.problem(f"{where}: must be an object with a name and a value")
                continue
            detail = BY_NAME.get(item["name"])
            if detail is None:
                self.problem(f"{where}.name: one of {', '.join(BY_NAME)}")
                continue
            value = item.get("value")
            try:
                self.input.fault[detail.field] = self._detail_value(detail.value_type, value)
            except (TypeError, ValueError):
                self.problem(f"{where}.value: a {detail.value_type} for {detail.name}")

    @staticmethod
    def _detail_value(value_type: str, value: Any) -> Any:
        if value_type == "boolean":
            if isinstance(value, bool) or value is None:
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            raise ValueError
        if value is None:
            return None if value_type == "dateTime" else ""
        if not isinstance(value, str):
            raise TypeError
        if value_type == "dateTime":
            return parse_date_time(value)
        return value

    def mef_attributes(self) -> None:
        """MEF 124's buyer attributes: `issueStartDate` (our fault start time),
        `observedImpact`, and `relatedContactInformation` (the reporter's name, number, e-mail),
        each also kept as sent."""
        body = self.body
        start = body.get("issueStartDate")
        if start is not None:
            try:
                moment = parse_date_time(start)
            except ValueError:
                self.problem("issueStartDate: an RFC 3339 date-time")
            else:
                self.input.fault.setdefault("fault_start_time", moment)
                self.input.stored["issueStartDate"] = start
        impact = body.get("observedImpact")
        if impact is not None:
            if not isinstance(impact, str) or impact.lower() not in OBSERVED_IMPACT:
                self.problem(f"observedImpact: one of {', '.join(OBSERVED_IMPACT)}")
            else:
                self.input.stored["observedImpact"] = impact
        contacts = body.get("relatedContactInformation")
        if contacts is None:
            return
        if not isinstance(contacts, list) or not all(
            isinstance(contact, dict) and all(isinstance(v, str) for v in contact.values())
            for contact in contacts
        ):
            self.problem("relatedContactInformation: a list of contacts with text values")
            return
        self.input.stored["relatedContactInformation"] = contacts
        for contact in contacts:
            if contact.get("role") == REPORTER_CONTACT:
                for key, fault_field in REPORTER_PARTS.items():
                    if contact.get(key):
                        self.input.fault.setdefault(fault_field, contact[key])

    def fault_type(self) -> None:
        if "fault_type" in self.input.fault:
            return
        ticket_type = self.body.get("ticketType")
        if isinstance(ticket_type, str) and ticket_type.strip().lower() in _OUR_TYPES:
            self.input.fault["fault_type"] = _OUR_TYPES[ticket_type.strip().lower()]
            return
        impact = self.body.get("observedImpact")
        if isinstance(impact, str) and impact.lower() in OBSERVED_IMPACT:
            self.input.fault["fault_type"] = str(OBSERVED_IMPACT[impact.lower()])

    # --- notes and attachments -------------------------------------------------------------
    def notes(self) -> None:
        for index, note in enumerate(self.body.get("note") or []):
            text = note.get("text")
            if not isinstance(text, str) or not text.strip():
                self.problem(f"note[{index}].text: required, the note's text")
            elif len(text) > TEXT_MAX:
                self.problem(f"note[{index}].text: at most {TEXT_MAX} characters")
            else:
                self.input.notes.append(note)

    def attachments(self) -> None:
        for index, item in enumerate(self.body.get("attachment") or []):
            where = f"attachment[{index}]"
            if "content" in item:
                name = item.get("name")
                if not isinstance(name, str) or not name.strip():
                    self.problem(f"{where}.name: the file name, with its extension")
                    continue
                try:
                    content = base64.b64decode(item["content"], validate=True)
                except (binascii.Error, ValueError):
                    self.problem(f"{where}.content: not base64")
                    continue
                sent = {key: value for key, value in item.items() if key != "content"}
                self.input.files.append((sent, content))
            elif isinstance(item.get("url"), str) and item["url"].strip():
                self.input.attachment_refs.append(item)
            else:
                self.problem(f"{where}: either content (base64, with a name) or a url")

    def read(self) -> TicketInput:
        self.simple()
        self.related_entity()
        self.related_party()
        self.characteristics()
        self.mef_attributes()
        self.fault_type()
        self.notes()
        self.attachments()
        if isinstance(self.body.get("status"), str):
            self.input.status = self.body["status"]
        if isinstance(self.body.get("statusChangeReason"), str):
            self.input.reason = self.body["statusChangeReason"]
        return self.input


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid("The body must be a JSON object (a trouble ticket).")
    return body


def read_create(body: Any) -> TicketInput:
    """A POST body, without what the system sets. 400 with every problem."""
    body = {key: value for key, value in _object(body).items() if key not in IGNORED_ON_CREATE}
    problems = _v4_problems("create", body) + _lengths(body)
    if problems:
        raise invalid("Invalid trouble ticket.", problems)
    reader = _Reader(body)
    ticket = reader.read()
    if reader.problems:
        raise invalid("Invalid trouble ticket.", reader.problems)
    return ticket


def read_update(body: Any) -> TicketInput:
    """A PATCH body (JSON merge patch). 400 with every problem, read-only attributes included."""
    body = _object(body)
    problems = [f"{name}: read-only, set by the system" for name in sorted(READ_ONLY & set(body))]
    if body.get("@type", "TroubleTicket") != "TroubleTicket":
        problems.append("@type: a trouble ticket is a TroubleTicket")
    # MEF 124's `reopened` (the buyer rejects a resolution) is not a v4 status word.
    checked = {**body, "status": "inProgress"} if body.get("status") == "reopened" else body
    problems += _v4_problems("update", checked) + _lengths(body)
    if problems:
        raise invalid("Invalid change to the trouble ticket.", problems)
    reader = _Reader(body)
    ticket = reader.read()
    if reader.problems:
        raise invalid("Invalid change to the trouble ticket.", reader.problems)
    return ticket
