"""A TMF621 trouble ticket, as a supplier sends it (in an event, a GET answer or the back-fill),
read into domain terms; no HTTP and no database here.

`ticket_to_report` is what the ticket says about our fault, a `faults.services.SupplierReport`:

* the status, through `mapping.from_tmf` (the partner's holds policy decides what `held` means),
  with its reason and the mapping's prefix. For `pending` the reason is what the supplier needs
  from us: `statusChangeReason`, or else its latest note (MEF 124 R63: "the Seller MUST add a
  note … about what additional information is required"); it becomes the fault's status
  reason, which the agent's queue shows under "On hold". `assessingCancellation` changes no
  status of ours: its reason is an update entry;
* the supplier's ticket id as the fault's maintainer reference;
* the supplier's notes as comments, never ours (`noc-…` ids, or MEF 124's `source: buyer`);
* `expectedResolutionDate` as the fault's supplier expected resolution time (the service keeps
  the latest and audits it), and as an update entry for the people reading the fault's updates;
* what could not be read, and a status we do not know, as anomalies with the supplier's words.

Read tolerantly: a field of the wrong type is a problem reported, not an error raised. Text is
kept to what the database can store (no NUL character, no lone surrogate).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from faults.choices import Party
from faults.services import CommentEntry, SupplierReport, UpdateEntry
from faults.validators import is_valid_reference
from integrations.tmf621.mapping import (
    PENDING_PREFIX,
    UNKNOWN,
    Mapped,
    from_tmf,
    reason_with_prefix,
)

OUR_NOTE_PREFIX = "noc-"  # the ids of the notes we add (builders): never read back as theirs
REASON_MAX = 4000  # what a fault's status reason holds
# Fields a ticket reference carries; a ticket with nothing else is only its id (MEF 124 events).
REFERENCE_FIELDS = frozenset(
    {"id", "href", "@type", "@baseType", "@schemaLocation", "@referredType", "name"}
)


def clean_text(value: object) -> str:
    """A supplier's text as the database can keep it: NUL characters dropped and lone
    surrogates (valid JSON escapes, no UTF-8) replaced."""
    if not isinstance(value, str):
        return ""
    value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value.strip()


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 date-time in UTC (one without a zone taken as UTC); None when absent or
    unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] in "zZ" else text)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def ticket_id(ticket: dict[str, Any]) -> str | None:
    """The supplier's id of the ticket (v4 says a string; a number is read as its digits)."""
    value = ticket.get("id")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return value if isinstance(value, str) and value else None


def our_reference(ticket: dict[str, Any]) -> str | None:
    """Our fault reference, as the ticket's `externalId` carries it; None when it carries none
    that could be one (the ticket is then known by its id)."""
    external_id = ticket.get("externalId")
    return external_id if is_valid_reference(external_id) else None


def ticket_time(ticket: dict[str, Any]) -> datetime | None:
    """When the ticket was in the state it shows: `lastUpdate`, else `statusChangeDate`."""
    return parse_time(ticket.get("lastUpdate")) or parse_time(ticket.get("statusChangeDate"))


def carries_only_id(ticket: dict[str, Any]) -> bool:
    """Whether the ticket is only a reference to itself (MEF 124's events): its state must be
    fetched."""
    return set(ticket) <= REFERENCE_FIELDS


def buyer_party_id(ticket: dict[str, Any]) -> str | None:
    """The id of the ticket's buyer (`relatedParty` with role `buyer`), None when it names none.
    Raises ValueError when it names one whose id cannot be read."""
    parties = ticket.get("relatedParty")
    if not isinstance(parties, list):
        return None
    for party in parties:
        if isinstance(party, dict) and str(party.get("role", "")).lower() == "buyer":
            value = party.get("id")
            if isinstance(value, str) and value:
                return value
            if isinstance(value, int) and not isinstance(value, bool):
                return str(value)
            raise ValueError("relatedParty: the buyer has no id")
    return None


def _notes(ticket: dict[str, Any], problems: list[str]) -> list[tuple[int, dict[str, Any]]]:
    """The notes with text, with their place in the list."""
    notes = ticket.get("note")
    if notes is None:
        return []
    if not isinstance(notes, list):
        problems.append("note: not a list")
        return []
    readable = []
    for index, note in enumerate(notes):
        if not isinstance(note, dict) or not clean_text(note.get("text")):
            problems.append(f"note[{index}]: no text")
            continue
        readable.append((index, note))
    return readable


def _is_ours(note: dict[str, Any]) -> bool:
    note_id = note.get("id")
    ours_by_id = isinstance(note_id, str) and note_id.startswith(OUR_NOTE_PREFIX)
    return ours_by_id or str(note.get("source", "")).lower() == Party.BUYER


def _supplier_comments(
    notes: list[tuple[int, dict[str, Any]]], problems: list[str]
) -> list[CommentEntry]:
    comments = []
    for index, note in notes:
        if _is_ours(note):
            continue
        date = note.get("date")
        written = parse_time(date)
        if date is not None and written is None:
            problems.append(f"note[{index}].date: '{date}'")
        comments.append(CommentEntry(clean_text(note["text"]), Party.SELLER, written))
    return comments


def _status(
    ticket: dict[str, Any],
    comments: list[CommentEntry],
    *,
    holds_pause_sla: bool,
) -> tuple[Mapped | None, str, str]:
    """(what the status means, the reason to show, the supplier's word) — the meaning None when
    the ticket carries no status."""
    word = ticket.get("status")
    if word is None:
        return None, "", ""
    if not isinstance(word, str):
        return UNKNOWN, "", clean_text(repr(word))[:200]
    mapped = from_tmf(word, holds_pause_sla=holds_pause_sla)
    reason = clean_text(ticket.get("statusChangeReason"))
    if not reason and mapped.reason_prefix == PENDING_PREFIX and comments:
        reason = comments[-1].text  # MEF 124 R63: what is required is in the latest note
    return mapped, reason_with_prefix(mapped, reason)[:REASON_MAX], clean_text(word)[:200]


def _expected_resolution(ticket: dict[str, Any], problems: list[str]) -> datetime | None:
    value = ticket.get("expectedResolutionDate")
    if value is None:
        return None
    expected = parse_time(value)
    if expected is None:
        problems.append(f"expectedResolutionDate: '{value}'")
    return expected


def _expected_resolution_entry(expected: datetime) -> UpdateEntry:
    """The time in words among the fault's updates, for people only (nothing reads it back).
    Undated, so the same expectation repeated in every event is one entry; a new date is another."""
    return UpdateEntry(
        f"The supplier expects to resolve it by {expected:%Y-%m-%d %H:%M} UTC.", Party.SELLER
    )


def ticket_to_report(
    ticket: dict[str, Any], *, sent_at: datetime | None, holds_pause_sla: bool
) -> SupplierReport:
    """What the ticket says about our fault, as of `sent_at` (see the module docstring)."""
    problems: list[str] = []
    comments = _supplier_comments(_notes(ticket, problems), problems)
    mapped, reason, word = _status(ticket, comments, holds_pause_sla=holds_pause_sla)
    status = None
    updates = []
    anomalies = []
    if mapped is UNKNOWN:
        anomalies.append(
            (
                f"The supplier sent the status '{word}', which we do not know; the fault's "
                "status is unchanged.",
                {"reported": word},
            )
        )
    elif mapped is not None and mapped.status is None:
        # A step of theirs that no status of ours says (assessingCancellation): shown, not moved.
        updates.append(
            UpdateEntry(reason, Party.SELLER, parse_time(ticket.get("statusChangeDate")))
        )
    elif mapped is not None:
        status = mapped.status
    expected = _expected_resolution(ticket, problems)
    if expected is not None:
        updates.append(_expected_resolution_entry(expected))
    if problems:
        problems = [clean_text(problem)[:300] for problem in problems]
        anomalies.append(
            (
                "Parts of the supplier's ticket could not be read: " + "; ".join(problems),
                {"problems": problems},
            )
        )
    reference = ticket_id(ticket) or ""
    return SupplierReport(
        sent_at=sent_at,
        status=status,
        status_reason=reason if status else "",
        # A ticket states its whole current reason: none now clears an earlier one.
        status_reason_is_complete=bool(status),
        maintainer_fault_reference=clean_text(reference),
        updates=tuple(updates),
        comments=tuple(comments),
        anomalies=tuple(anomalies),
        expected_resolution_at=expected,
    )


__all__ = [
    "buyer_party_id",
    "carries_only_id",
    "clean_text",
    "our_reference",
    "parse_time",
    "ticket_id",
    "ticket_time",
    "ticket_to_report",
]
