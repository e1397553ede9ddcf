"""A fault's one timeline, newest first: audit events, the supplier-shared updates, comments,
our internal notes, attachments, and what the apps above contribute
(`faults.contributions.TimelineSource`: the appointment history, the messages exchanged with the
supplier).

Read-only. Each source is read with one query (eight in all with appointments and integrations,
whatever the number of rows); the contributed sources never load message bodies either.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from faults.choices import ActorKind, EventKind, PartnerOperation, Party
from faults.contributions import TimelineSource, contributions
from faults.field_labels import field_labels
from faults.models import Fault, FaultAttachment, FaultComment, FaultEvent, FaultUpdate
from faults.models.workspace import FaultNote

# Audit rows that duplicate a row shown from its own table: the comment, the note, the attachment,
# and whatever a source says it shows from its rows (`TimelineSource.shows`: the call to the
# supplier is its outbound message, "Sent to supplier" with how its delivery went, rather than
# a second line naming the message type and id).
SHOWN_FROM_THEIR_OWN_TABLE = frozenset({EventKind.COMMENT, EventKind.NOTE, EventKind.ATTACHMENT})


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline. `kind` is a stable key (also a CSS class); `label` says it in
    words. `delivery` is set for partner messages only."""

    kind: str
    label: str
    at: datetime
    who: str
    text: str = ""
    who_detail: str = ""  # e.g. which message of the supplier's made the change
    from_status: str = ""
    to_status: str = ""
    delivery: str = ""
    delivery_label: str = ""
    delivery_colour: str = "grey"  # the delivery state's badge colour
    attempts: int | None = None
    last_error: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    order: int = 0  # ties on `at` keep the order rows were written in


@dataclass(frozen=True)
class TimelineActors:
    """Who the audit rows' actors are, in words: a partner's row names the supplier, and the
    message as a detail (the supplier's own message id, or our message it answered: a refused
    raise is the supplier's answer to our addFaultReport, recorded under that message's id)."""

    supplier: str
    our_messages: dict[str, str]  # our outbound message id -> what it asked for

    def name(self, kind: str, ref: str, username: str = "") -> tuple[str, str]:
        """(who, detail) for an actor kind and reference."""
        if kind == ActorKind.USER and username:
            return username, ""
        if kind == ActorKind.PARTNER:
            if not ref:
                return self.supplier, ""
            if ref in self.our_messages:
                return self.supplier, f"in answer to our {self.our_messages[ref]}, message {ref}"
            return self.supplier, f"message {ref}"
        label = ActorKind(kind).label if kind in ActorKind.values else kind
        return f"{label} {ref}".strip(), ""


def _event_entry(event: FaultEvent, actors: TimelineActors) -> TimelineEntry:
    text = event.message
    if event.kind == EventKind.AMENDED and not text:
        changed = sorted((event.data or {}).get("changes", {}))
        text = f"Changed: {field_labels(changed)}" if changed else ""
    username = event.actor_user.get_username() if event.actor_user_id else ""
    who, who_detail = actors.name(event.actor_kind, event.actor_ref, username)
    return TimelineEntry(
        kind=event.kind,
        label=event.get_kind_display(),
        at=event.at,
        who=who,
        who_detail=who_detail,
        text=text,
        from_status=event.from_status,
        to_status=event.to_status,
        order=event.pk,
    )


def _party(value: str) -> str:
    return Party(value).label if value in Party.values else value


def _update_entry(update: FaultUpdate) -> TimelineEntry:
    return TimelineEntry(
        kind="update",
        label="Update",
        at=update.updated_time or update.created_at,
        who=_party(update.updated_by) or "—",
        text=update.description,
        order=update.pk,
    )


def _comment_entry(comment: FaultComment) -> TimelineEntry:
    who = comment.author.get_username() if comment.author_id else _party(comment.commented_by)
    return TimelineEntry(
        kind="comment",
        label="Comment",
        at=comment.commented_time,
        who=who,
        text=comment.text,
        details={"from_supplier": comment.commented_by == Party.SELLER},
        order=comment.pk,
    )


def _note_entry(note: FaultNote) -> TimelineEntry:
    """An internal note: never sent to the supplier, which the timeline says beside it."""
    return TimelineEntry(
        kind="note",
        label="Internal note",
        at=note.created_at,
        who=note.author.get_username() if note.author_id else "—",
        text=note.text,
        order=note.pk,
    )


def _attachment_entry(attachment: FaultAttachment) -> TimelineEntry:
    who = attachment.added_by.get_username() if attachment.added_by_id else "Supplier"
    return TimelineEntry(
        kind="attachment",
        label="Attachment",
        at=attachment.created_at,
        who=who,
        text=attachment.filename,
        details={
            "size_bytes": attachment.size_bytes,
            "uploaded": attachment.uploaded,
            "attachment_id": attachment.pk,
            "has_file": bool(attachment.file),
            # Only a web address is a link; a supplier could send any text in its place.
            "url": attachment.url if attachment.url.startswith(("https://", "http://")) else "",
        },
        order=attachment.pk,
    )


def operation_label(operation: str) -> str:
    """A partner operation in words (the value itself when it is not one of ours)."""
    return PartnerOperation(operation).label if operation in PartnerOperation.values else operation


def fault_timeline(*, fault: Fault) -> list[TimelineEntry]:
    """Every entry of the fault's timeline, newest first: one query per source."""
    sources = sorted(contributions(TimelineSource), key=lambda source: source.rank)
    parts = [source.read(fault=fault) for source in sources]
    our_messages: dict[str, str] = {}
    for part in parts:
        our_messages.update(part.message_names)
    actors = TimelineActors(supplier=str(fault.supplier), our_messages=our_messages)
    shown_elsewhere = SHOWN_FROM_THEIR_OWN_TABLE.union(*(source.shows for source in sources))
    events = (
        FaultEvent.objects.filter(fault_id=fault.pk)
        .exclude(kind__in=shown_elsewhere)
        .select_related("actor_user")
    )
    entries = [_event_entry(event, actors) for event in events]
    entries += [_update_entry(u) for u in FaultUpdate.objects.filter(fault_id=fault.pk)]
    entries += [
        _comment_entry(c)
        for c in FaultComment.objects.filter(fault_id=fault.pk).select_related("author")
    ]
    entries += [
        _note_entry(n) for n in FaultNote.objects.filter(fault_id=fault.pk).select_related("author")
    ]
    entries += [
        _attachment_entry(a)
        for a in FaultAttachment.objects.filter(fault_id=fault.pk).select_related("added_by")
    ]
    for part in parts:
        entries += part.entries(actors)
    # Newest first; a tie keeps the order above (the sort is stable): the fault's own rows,
    # then the sources by rank.
    entries.sort(key=lambda entry: (entry.at, entry.order), reverse=True)
    return entries
