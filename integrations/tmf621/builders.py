"""The JSON bodies we send a TMF621 supplier, each checked before it is returned against the v4
schema with the profile (`schema.validation_errors`) and the seed's field table
(`schema.field_table_errors`). A body that fails raises `schema.InvalidMessage` listing every
problem: the adapter turns it into the agent's error, so nothing invalid is ever stored or sent.

What the fault holds that a trouble ticket has no field for (start time, location, site access,
triage, contact details, an appointment, a file known only by its URL) travels as notes. Our notes
carry ids starting with `noc-` (`NOTE_PREFIX`): the supplier keeps them, sends them back with the
ticket, and the listener knows them as ours. A PATCH replaces an array it carries (JSON merge
patch), except `note` and `attachment`, which the supplier appends to (the wire contract): so a
changed contact sends the whole `relatedParty` list, and a note or a file is sent alone.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from faults.choices import FaultType, is_tlos_type
from faults.models import Fault, FaultAttachment, FaultComment
from integrations.tmf621 import schema
from integrations.tmf621.mapping import CANCELLED, RESOLUTION_ACCEPTED, RESOLUTION_REJECTED
from integrations.tmf621.schema import InvalidMessage

CONTENT_TYPE = "application/json;charset=utf-8"  # v4's `consumes`
TICKET_TYPE = "Customer_Trouble_Ticket"
TICKET_SUBTYPE = "Maintenance"
NOTE_PREFIX = "noc-"
NAME_MAX = 120

SEVERITY_BY_FAULT_TYPE = {
    FaultType.SERVICE_OUTAGE.lower(): "High",
    FaultType.IMPAIRED_SERVICE.lower(): "Medium",
}
DEFAULT_SEVERITY = "Low"
# Seed 002: priority 1 (highest) to 10 (lowest). Ours (1 to 5, 1 highest) fits as it is; these
# are for a fault without one.
PRIORITY_BY_SEVERITY = {"High": 2, "Medium": 4, "Low": 6}

# Our contacts (the prefix of their fault fields) and their role in `relatedParty`.
CONTACT_ROLES = {
    "reporter": "reporter",
    "site_access_contact": "siteContact",
    "end_user": "endUser",
}
_ROLE_LABELS = {"reporter": "Reporter", "siteContact": "Site contact", "endUser": "End user"}
_CONTACT_PARTS = ("name", "phone", "email")
CONTACT_FIELDS = frozenset(
    f"{prefix}_{part}" for prefix in CONTACT_ROLES for part in _CONTACT_PARTS
)
# Fault details without a ticket field: each one a note, on the raise and when amended.
NOTE_FIELDS = {
    "fault_start_time": "start-time",
    "fault_location": "location",
    "site_access_details": "site-access",
    "triage_complete": "triage",
    "triage_findings": "triage",
}
AMENDABLE_FIELDS = frozenset({"description", "priority", *NOTE_FIELDS, *CONTACT_FIELDS})


def format_datetime(value: datetime) -> str:
    """RFC 3339 in UTC with "Z" (v4's date-time); a naive value is taken to be UTC."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat().replace("+00:00", "Z")


def _checked(kind: str, method: str, body: dict[str, Any]) -> dict[str, Any]:
    errors = schema.validation_errors(kind, body) + schema.field_table_errors(body, method=method)
    if errors:
        raise InvalidMessage(kind, errors)
    return body


def severity(fault: Fault) -> str:
    return SEVERITY_BY_FAULT_TYPE.get(str(fault.fault_type).strip().lower(), DEFAULT_SEVERITY)


def _note(note_id: str, text: str, author: str = "") -> dict[str, str]:
    note = {"id": note_id, "text": text}
    if author:
        note["author"] = author
    return note


def _user_name(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _yes_no(value: object) -> str:
    if value is None:
        return "not said"
    return "yes" if value else "no"


def _as_datetime(value: object) -> datetime | None:
    """A start time from the fault, or from an amend payload (where it travels as ISO text)."""
    if isinstance(value, datetime) or value is None:
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidMessage("update", [f"fault_start_time: not a date-time: {value!r}"]) from None


def _contact(values: Mapping[str, object], prefix: str) -> tuple[str, str, str]:
    """A contact's name, phone and e-mail ("" for each one missing)."""
    name, phone, email = (
        str(values.get(f"{prefix}_{part}") or "").strip() for part in _CONTACT_PARTS
    )
    return name, phone, email


def _values(fault: Fault, changes: Mapping[str, object] | None = None) -> dict[str, object]:
    """The fault's contact and note fields, with an amend's changes over them."""
    changes = changes or {}
    names = CONTACT_FIELDS | set(NOTE_FIELDS)
    return {name: changes[name] if name in changes else getattr(fault, name) for name in names}


def related_parties(fault: Fault, values: Mapping[str, object]) -> list[dict[str, str]]:
    """Our buyer identity, then each contact that has anything, as `relatedParty`."""
    buyer = fault.buyer_identifier
    parties = [
        {
            "id": buyer.code,
            "role": "buyer",
            "@referredType": "Organization",
            "name": buyer.description or buyer.code,
        }
    ]
    for prefix, role in CONTACT_ROLES.items():
        name, phone, email = _contact(values, prefix)
        if not (name or phone or email):
            continue
        party = {
            "id": f"{role}-{fault.buyer_fault_reference}",
            "role": role,
            "@referredType": "Individual",
        }
        if name:
            party["name"] = name
        parties.append(party)
    return parties


def _contacts_text(values: Mapping[str, object]) -> str:
    """How to reach each contact: `relatedParty` carries names only."""
    lines = []
    for prefix, role in CONTACT_ROLES.items():
        parts = [part for part in _contact(values, prefix) if part]
        if parts:
            lines.append(f"{_ROLE_LABELS[role]}: {', '.join(parts)}")
    return "\n".join(lines)


def _detail_texts(values: Mapping[str, object], names: Iterable[str]) -> dict[str, str]:
    """The note text of each detail named (both triage fields make one note)."""
    texts: dict[str, str] = {}
    names = set(names)
    start = _as_datetime(values["fault_start_time"]) if "fault_start_time" in names else None
    if start is not None:
        texts["start-time"] = f"Fault start time: {format_datetime(start)}"
    if "fault_location" in names and values["fault_location"]:
        texts["location"] = f"Fault location: {values['fault_location']}"
    if "site_access_details" in names and values["site_access_details"]:
        texts["site-access"] = f"Site access: {values['site_access_details']}"
    if names & {"triage_complete", "triage_findings"}:
        text = f"Triage complete: {_yes_no(values['triage_complete'])}"
        if values["triage_findings"]:
            text += f"\nTriage findings: {values['triage_findings']}"
        texts["triage"] = text
    return texts


def _appointment_text(appointment: Mapping[str, Any]) -> str:
    when = " ".join(str(appointment[key]) for key in ("date", "start_time") if appointment.get(key))
    if appointment.get("end_time"):
        when += f"-{appointment['end_time']}"
    text = "Engineer appointment"
    if when:
        text += f" {when}"
    return f"{text} (reservation {appointment['reservation_key']})"


# Types a NOC attaches that the platform's table may not know.
_MIME_TYPES = {
    ".log": "text/plain",
    ".err": "text/plain",
    ".nfo": "text/plain",
    ".pcap": "application/vnd.tcpdump.pcap",
    ".cap": "application/vnd.tcpdump.pcap",
    ".msg": "application/vnd.ms-outlook",
}


def _mime_type(filename: str) -> str:
    extension = Path(filename).suffix.lower()
    if extension in _MIME_TYPES:
        return _MIME_TYPES[extension]
    guessed, _encoding = mimetypes.guess_type(filename, strict=False)
    return guessed or "application/octet-stream"


def _attachments(
    attachments: Iterable[FaultAttachment], note_id: str
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Stored files as base64 content (the seed: content and mimeType required); a file we know
    only by its URL becomes a note with the URL."""
    items: list[dict[str, Any]] = []
    notes: list[dict[str, str]] = []
    for attachment in attachments:
        if attachment.file:
            try:
                with attachment.file.open("rb") as handle:
                    content = handle.read()
            except OSError as exc:
                raise InvalidMessage(
                    "attachment", [f"{attachment.filename}: the stored file cannot be read ({exc})"]
                ) from None
            items.append(
                {
                    "name": attachment.filename,
                    "mimeType": _mime_type(attachment.filename),
                    "content": base64.b64encode(content).decode("ascii"),
                    "size": {"amount": len(content), "units": "bytes"},
                }
            )
        elif attachment.url:
            notes.append(
                _note(
                    f"{note_id}-{attachment.pk}",
                    f"Attachment {attachment.filename}: {attachment.url}",
                )
            )
    return items, notes


def build_create(*, fault: Fault, attachments: Iterable[FaultAttachment] = ()) -> dict[str, Any]:
    """POST troubleTicket: the whole fault. Raises `InvalidMessage` when the fault cannot make a
    valid ticket (e.g. no description: the seed requires one)."""
    ref = fault.buyer_fault_reference
    level = severity(fault)
    values = _values(fault)
    author = _user_name(fault.created_by)
    body: dict[str, Any] = {
        "externalId": ref,
        "ticketType": TICKET_TYPE,
        "ticketSubtype": TICKET_SUBTYPE,
        "severity": level,
        "priority": fault.priority or PRIORITY_BY_SEVERITY[level],
        "name": f"{fault.fault_type} on {fault.service_id}"[:NAME_MAX],
    }
    if fault.description.strip():
        body["description"] = fault.description
    entity = {"id": fault.service_id, "role": "affectedService", "@referredType": "Product"}
    if fault.product_name:
        entity["name"] = fault.product_name
    body["relatedEntity"] = [entity]
    body["relatedParty"] = related_parties(fault, values)

    notes = [
        _note(f"{NOTE_PREFIX}raise-{key}", text, author)
        for key, text in _detail_texts(values, NOTE_FIELDS).items()
    ]
    contacts = _contacts_text(values)
    if contacts:
        notes.append(_note(f"{NOTE_PREFIX}raise-contacts", contacts, author))
    if fault.parent is not None:
        notes.append(
            _note(
                f"{NOTE_PREFIX}raise-parent",
                f"Part of our mass incident {fault.parent.buyer_fault_reference}"
                + (
                    f" (your ticket {fault.parent.maintainer_fault_reference})"
                    if fault.parent.maintainer_fault_reference
                    else ""
                ),
                author,
            )
        )
    if is_tlos_type(fault.fault_type) and fault.appointment_reservation_key:
        appointment = {"reservation_key": fault.appointment_reservation_key}
        notes.append(_note(f"{NOTE_PREFIX}raise-appointment", _appointment_text(appointment)))
    files, file_notes = _attachments(attachments, f"{NOTE_PREFIX}raise-attachment")
    notes += file_notes
    if notes:
        body["note"] = notes
    if files:
        body["attachment"] = files
    return _checked("create", "POST", body)


def build_amend(
    *,
    fault: Fault,
    message_id: str,
    changes: Mapping[str, object],
    attachments: Iterable[FaultAttachment] = (),
    appointment: Mapping[str, Any] | None = None,
    author: str = "",
) -> dict[str, Any]:
    """PATCH troubleTicket/{id} with what changed: `changes` maps fault fields to their new
    values (the outbox payload of `fault_amend`), `attachments` are new files, `appointment` a
    new reservation (`fault_appointment_set`'s payload)."""
    unknown = sorted(set(changes) - AMENDABLE_FIELDS)
    if unknown:
        raise InvalidMessage(
            "update", [f"{name}: a TMF621 ticket has no place for it" for name in unknown]
        )
    body: dict[str, Any] = {}
    if "description" in changes:
        body["description"] = str(changes["description"] or "")
    if "priority" in changes:
        body["priority"] = int(changes["priority"])  # type: ignore[call-overload]
    values = _values(fault, changes)
    if CONTACT_FIELDS & set(changes):
        body["relatedParty"] = related_parties(fault, values)
    note_id = f"{NOTE_PREFIX}amend-{message_id}"
    notes = [
        _note(f"{note_id}-{key}", text, author)
        for key, text in _detail_texts(values, set(changes) & set(NOTE_FIELDS)).items()
    ]
    if CONTACT_FIELDS & set(changes):
        notes.append(_note(f"{note_id}-contacts", _contacts_text(values) or "No contacts", author))
    if appointment:
        notes.append(_note(f"{note_id}-appointment", _appointment_text(appointment), author))
    files, file_notes = _attachments(attachments, f"{note_id}-attachment")
    notes += file_notes
    if notes:
        body["note"] = notes
    if files:
        body["attachment"] = files
    return _checked("update", "PATCH", body)


def build_comment(*, comment: FaultComment) -> dict[str, Any]:
    """PATCH troubleTicket/{id} with the comment as a new note."""
    note = _note(f"{NOTE_PREFIX}comment-{comment.pk}", comment.text, _user_name(comment.author))
    return _checked("update", "PATCH", {"note": [note]})


def build_cancel(*, reason: str = "") -> dict[str, Any]:
    body = {"status": CANCELLED}
    if reason.strip():
        body["statusChangeReason"] = reason.strip()
    return _checked("update", "PATCH", body)


def build_resolution_answer(*, accepted: bool, reason: str = "", message_id: str) -> dict[str, Any]:
    """MEF 124 UC 6: we close the ticket, or reopen it saying why."""
    if accepted:
        return _checked("update", "PATCH", {"status": RESOLUTION_ACCEPTED})
    reason = reason.strip()
    body = {
        "status": RESOLUTION_REJECTED,
        "statusChangeReason": reason,
        "note": [_note(f"{NOTE_PREFIX}resolution-{message_id}", reason)],
    }
    return _checked("update", "PATCH", body)


def build_hub(*, callback: str) -> dict[str, Any]:
    """POST hub: where the supplier sends its events."""
    body = {"callback": callback}
    errors = schema.validation_errors("hub", body)
    if errors:
        raise InvalidMessage("hub", errors)
    return body
