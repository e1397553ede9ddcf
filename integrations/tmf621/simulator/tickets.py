"""A trouble ticket as the supplier writes it (v4 `TroubleTicket`): made from the buyer's POST,
changed by the buyer's PATCH and by the supplier's own steps, and cut down to the `fields=` a GET
asks for.

The buyer's items are kept as sent (MEF 124 R21: the seller never changes them): notes and
attachments are only ever appended (R20), a note keeps its id (a note whose id the ticket already
has is not added twice), and the supplier stamps each note's `date` (the field table prohibits it
to the buyer). Related parties and entities are merged by id: a PATCH carrying a contact replaces
the one with its id and leaves the others, our buyer among them.
"""

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "SELLER",
    "add_notes",
    "amend",
    "new_document",
    "parse_timestamp",
    "selected",
    "set_status",
    "timestamp",
]

SELLER = "Supplier service desk"  # the author of the supplier's notes
# The supplier's estimate, by severity (seed 002: "determined by the trouble ticket system").
EXPECTED_HOURS = {"High": 4, "Medium": 8, "Low": 24}
# Set by the ticket system, never taken from the buyer (the field table prohibits them anyway).
_SERVER_FIELDS = frozenset(
    {
        "id",
        "href",
        "creationDate",
        "lastUpdate",
        "status",
        "statusChangeDate",
        "statusChangeReason",
        "statusChange",
        "resolutionDate",
        "expectedResolutionDate",
        "troubleTicketRelationship",
    }
)
_MERGED_BY_ID = ("relatedParty", "relatedEntity")


def timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds, as the MEF 124 examples write it."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_timestamp(text: str) -> datetime | None:
    """An ISO 8601 date-time (a bare date is its midnight, a time without offset is UTC)."""
    text = text.strip()
    if not text:
        return None
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def new_document(
    body: dict[str, Any], *, ticket_id: str, href: str, status: str, reason: str, now: datetime
) -> dict[str, Any]:
    document: dict[str, Any] = {"id": ticket_id, "href": href}
    document.update(
        {key: copy.deepcopy(value) for key, value in body.items() if key not in _SERVER_FIELDS}
    )
    notes = document.pop("note", [])
    document["note"] = []
    add_notes(document, notes, now=now)
    hours = EXPECTED_HOURS.get(document.get("severity", ""), 24)
    document.update(
        {
            "creationDate": timestamp(now),
            "expectedResolutionDate": timestamp(now + timedelta(hours=hours)),
            "statusChange": [],
        }
    )
    set_status(document, status, reason, now=now)
    return document


def set_status(document: dict[str, Any], status: str, reason: str, *, now: datetime) -> None:
    document["status"] = status
    document["statusChangeDate"] = timestamp(now)
    document["statusChangeReason"] = reason
    document["statusChange"].append(
        {"status": status, "changeReason": reason, "changeDate": timestamp(now)}
    )
    if status == "resolved":
        document["resolutionDate"] = timestamp(now)
    elif status in ("reopened", "inProgress"):
        document.pop("resolutionDate", None)


def _note_id(document: dict[str, Any], taken: set[str]) -> str:
    number = len(document["note"]) + 1
    while f"{document['id']}-{number}" in taken:
        number += 1
    return f"{document['id']}-{number}"


def add_notes(
    document: dict[str, Any], notes: list[dict[str, Any]], *, now: datetime, author: str = ""
) -> int:
    """Append the notes the ticket does not have yet (by id), dated now; how many were added.
    A note without an id is given one; `author` fills a note without one."""
    taken = {note.get("id") for note in document["note"]}
    added = 0
    for item in notes:
        note = copy.deepcopy(item)
        if note.get("id") in taken:
            continue
        note["id"] = note.get("id") or _note_id(document, taken)
        if author and not note.get("author"):
            note["author"] = author
        note["date"] = timestamp(now)
        document["note"].append(note)
        taken.add(note["id"])
        added += 1
    return added


def _merged(existing: list[dict[str, Any]], changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged = [copy.deepcopy(item) for item in existing]
    for change in changes:
        at = next((i for i, item in enumerate(merged) if item.get("id") == change.get("id")), None)
        if at is None:
            merged.append(copy.deepcopy(change))
        else:
            merged[at] = copy.deepcopy(change)
    return merged


def amend(document: dict[str, Any], changes: dict[str, Any], *, now: datetime) -> list[str]:
    """Apply a PATCH's fields other than the status (checked already); the names of the fields
    it changed."""
    changed = []
    for key, value in changes.items():
        if key in _SERVER_FIELDS:
            continue
        if key == "note":
            if add_notes(document, value, now=now):
                changed.append(key)
            continue
        if key == "attachment":
            new = [copy.deepcopy(item) for item in value if item not in document.get(key, [])]
            if new:
                document.setdefault(key, []).extend(new)
                changed.append(key)
            continue
        updated = _merged(document.get(key, []), value) if key in _MERGED_BY_ID else value
        if document.get(key) != updated:
            document[key] = copy.deepcopy(updated)
            changed.append(key)
    return changed


def selected(document: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    """The ticket with only the `fields=` asked for (and always its id and href)."""
    if fields is None:
        return copy.deepcopy(document)
    wanted = {"id", "href", *fields}
    return {key: copy.deepcopy(value) for key, value in document.items() if key in wanted}
