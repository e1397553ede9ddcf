"""Merging what suppliers resend: every notification carries the whole updates list (and may
repeat a comment), so each entry is stored once per fault, keyed by a content fingerprint."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from faults.choices import Party
from faults.models import Fault, FaultComment, FaultUpdate
from faults.services.notes import content_fingerprint


@dataclass(frozen=True)
class UpdateEntry:
    """One entry of a supplier's updates list."""

    description: str
    updated_by: str = ""
    updated_time: datetime | None = None


@dataclass(frozen=True)
class CommentEntry:
    text: str
    commented_by: str = ""
    commented_time: datetime | None = None
    # The partner's own id of the note, when it has one (TEP's NoteId): the note is then known
    # by it alone, so a later version of it (other text) is the same note, not stored again
    # (TEP notes are immutable).
    key: str = ""


def party(value: str) -> str:
    """The XSD says buyer/seller; the supplier's own samples say 'Seller'."""
    value = (value or "").strip().lower()
    return value if value in Party.values else ""


def fault_updates_merge(*, fault: Fault, entries: Iterable[UpdateEntry]) -> None:
    """Store the entries not stored yet: one INSERT, in which the database skips those the
    fault has already (its unique fingerprint), without reading them first (every notification
    resends the whole list: that read was one query more per message applied, issue 17)."""
    known: set[str] = set()
    new_rows = []
    for entry in entries:
        if not entry.description or not entry.description.strip():
            continue
        by = party(entry.updated_by)
        fingerprint = content_fingerprint(entry.description, by, entry.updated_time)
        if fingerprint in known:
            continue
        known.add(fingerprint)
        new_rows.append(
            FaultUpdate(
                fault=fault,
                description=entry.description.strip(),
                updated_by=by,
                updated_time=entry.updated_time,
                fingerprint=fingerprint,
            )
        )
    if new_rows:
        FaultUpdate.objects.bulk_create(new_rows, ignore_conflicts=True)


def fault_comments_merge(
    *, fault: Fault, entries: Iterable[CommentEntry], received_at: datetime
) -> list[FaultComment]:
    """Store the supplier's comments not stored yet (ours come back in its messages too)."""
    entries = [entry for entry in entries if entry.text and entry.text.strip()]
    if not entries:  # most notifications carry none: no query
        return []
    known = set(fault.comments.values_list("fingerprint", flat=True))
    new_rows = []
    for entry in entries:
        if not entry.text or not entry.text.strip():
            continue
        by = party(entry.commented_by) or Party.SELLER
        # The key is what the supplier sends: an undated comment it repeats in every
        # notification is the same comment, whenever it arrives (shown at its first arrival).
        if entry.key:
            fingerprint = content_fingerprint("note-id", entry.key)
        else:
            fingerprint = content_fingerprint(entry.text, by, entry.commented_time)
        if fingerprint in known:
            continue
        known.add(fingerprint)
        new_rows.append(
            FaultComment(
                fault=fault,
                text=entry.text.strip()[:4000],
                commented_by=by,
                commented_time=entry.commented_time or received_at,
                fingerprint=fingerprint,
            )
        )
    return FaultComment.objects.bulk_create(new_rows)
