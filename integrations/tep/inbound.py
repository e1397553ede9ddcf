"""Applying a ticket message a TEP partner sent us, from the inbox (`TepAdapter.apply_inbound`).

The stored body is the Ticket element (`integrations.tep.received`), read with
`integrations.tep.messages`. What its Details mean comes from the partner's profile
(`integrations.tep.profiles`). By MessageType:

* **New** naming none of our faults: the partner opens an incident with us. A fault opened by
  the supplier is created (`faults.services.fault_open_by_supplier`) under the reference the
  edge already promised the partner (`received.promised_reference`); a New for a ticket that
  already has its fault (a resend) applies to that fault like an Update;
* **Update**: the supplier path of the state machine (`fault_apply_supplier_report`): the
  status through the profile's vocabulary, an older message's status never applied over a newer
  one (by RequestDateTime, the inbox's `sent_at`), a skipped step recorded as an anomaly;
* **Add** (another party joins the conversation): its notes, contacts and attachments only.

Every kind merges the notes (immutable, by NoteId: a NoteId seen before is ignored, whatever
its text now), the contacts (keyed by e-mail) and the attachments. What cannot be read is an
anomaly on the fault, never an error: only a message that cannot be applied at all raises
(the inbox retries it, then marks it failed).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from faults.choices import FaultStatus, Party
from faults.models import Fault
from faults.services import (
    Actor,
    CommentEntry,
    ContactEntry,
    SupplierOpening,
    SupplierReport,
    UpdateEntry,
    fault_apply_supplier_data,
    fault_apply_supplier_report,
    fault_attachment_from_supplier,
    fault_open_by_supplier,
    supplier_opened_fault,
)
from faults.services.supplier_opened import SUPPLIER_OWNED_FIELDS
from integrations.models import InboundMessage, Partner
from integrations.tep import messages
from integrations.tep.profiles import Incoming, Profile, clean_text, incoming_fields, profile_for
from integrations.tep.received import promised_reference, stored_attachment
from integrations.xml import parse_xml

NEW, UPDATE, ADD = "New", "Update", "Add"
# A partner-opened fault starts open: a New's status that says no more than that is not a move.
OPENING_STATUSES = frozenset({FaultStatus.PENDING, FaultStatus.ACCEPTED, FaultStatus.OPEN})
REASON_MAX = 4000
NOTE_MAX = 4000


class TicketNotApplicable(ValueError):
    """The message cannot be applied to any fault (the inbox records why)."""


@dataclass(frozen=True)
class Reading:
    """What one ticket message says, in domain terms."""

    fields: Incoming
    report: SupplierReport
    contacts: tuple[ContactEntry, ...]
    partner_reference: str


def read_ticket(message: InboundMessage) -> messages.Ticket:
    return messages.Ticket.from_element(parse_xml(bytes(message.body)))


def apply_ticket(message: InboundMessage) -> None:
    """Apply a stored ticket message (in the inbox's transaction)."""
    ticket = read_ticket(message)
    partner = message.partner
    profile = profile_for(partner)
    kind = ticket.message_type
    sent_at = message.sent_at or ticket.request_date_time
    reading = _read(ticket, profile, kind=kind, sent_at=sent_at)
    actor = Actor.partner(message.message_id)
    fault_id = message.fault_id
    opened_now = False
    if fault_id is None:
        if kind != NEW:
            raise TicketNotApplicable(f"A {kind} ticket message names none of our faults.")
        fault_id, opened_now = _open(message, partner, reading, actor, sent_at)
    report = _without_our_notes(reading.report, fault_id)
    if kind == ADD:
        report = _notes_only(report)
    elif kind == NEW and report.status in OPENING_STATUSES:
        # A partner-opened fault starts open: "new", "accepted" or "active" is no move.
        report = _without_status(report)
    last_heard = _last_heard(fault_id)
    fault_apply_supplier_report(fault_id=fault_id, report=report, actor=actor)
    # The data a message states is as of its time: an older message than one already applied
    # (reordered by TEP) brings its notes and files, never its older data.
    stale = bool(sent_at and last_heard and sent_at < last_heard)
    if not opened_now and not stale:
        fields = {} if kind == ADD else reading.fields
        owned = {name: fields[name] for name in SUPPLIER_OWNED_FIELDS if name in fields}
        fault_apply_supplier_data(
            fault_id=fault_id, fields=owned, contacts=reading.contacts, actor=actor, at=sent_at
        )
    _attachments(ticket, partner, fault_id, actor, sent_at)


def _last_heard(fault_id: int) -> datetime | None:
    return (
        Fault.objects.filter(pk=fault_id).values_list("last_supplier_message_at", flat=True).get()
    )


def _open(
    message: InboundMessage,
    partner: Partner,
    reading: Reading,
    actor: Actor,
    sent_at: datetime | None,
) -> tuple[int, bool]:
    if not reading.partner_reference:
        raise TicketNotApplicable("A New ticket without the partner's ticket reference.")
    existing = supplier_opened_fault(supplier=partner, partner_reference=reading.partner_reference)
    if existing is not None:
        return existing.pk, False
    fields = reading.fields
    opening = SupplierOpening(
        partner_reference=reading.partner_reference,
        fields={name: fields[name] for name in SUPPLIER_OWNED_FIELDS if name in fields},
        contacts=reading.contacts,
        their_type=str(fields.get("fault_type", "")),
        extra=dict(fields.unmapped),
    )
    fault, created = fault_open_by_supplier(
        supplier=partner,
        opening=opening,
        actor=actor,
        at=sent_at,
        buyer_fault_reference=promised_reference(partner, message.message_id),
    )
    return fault.pk, created


def _read(
    ticket: messages.Ticket, profile: Profile, *, kind: str, sent_at: datetime | None
) -> Reading:
    fields = incoming_fields(ticket.details, profile)
    sender = ticket.sender.ticket_reference or ""
    # The seed: Sender.TicketReference is the ticket's id in the sender's IMS; the detail only
    # stands in when a partner leaves it out (and the edge finds faults by the former).
    partner_reference = clean_text(sender or str(fields.get("maintainer_fault_reference") or ""))
    partner_reference = partner_reference[:36]
    status = fields.get("status")
    reason = _reason(fields, status)
    updates = _updates(fields)
    anomalies = []
    if fields.problems:
        anomalies.append(
            (
                "Parts of the partner's ticket could not be read: " + "; ".join(fields.problems),
                {"problems": fields.problems, "words": fields.words},
            )
        )
    details = {
        name: fields[name] for name in ("closure_code", "triage_findings") if fields.get(name)
    }
    report = SupplierReport(
        sent_at=sent_at,
        status=status,
        status_reason=reason,
        maintainer_fault_reference=partner_reference,
        updates=tuple(updates),
        comments=tuple(_comments(ticket.notes)),
        details=details,
        anomalies=tuple(anomalies),
    )
    return Reading(
        fields=fields,
        report=report,
        contacts=tuple(_contacts(ticket.contacts, profile)),
        partner_reference=partner_reference,
    )


def _reason(fields: Incoming, status: str | None) -> str:
    if status == FaultStatus.RESOLVED and fields.get("resolution"):
        return str(fields["resolution"])[:REASON_MAX]
    return str(fields.get("status_reason") or "")[:REASON_MAX]


def _updates(fields: Incoming) -> list[UpdateEntry]:
    updates = []
    resolved_at = fields.get("resolved_at")
    if resolved_at is not None:
        updates.append(
            UpdateEntry(
                f"The partner resolved it at {resolved_at:%Y-%m-%d %H:%M} UTC.",
                Party.SELLER,
                resolved_at,
            )
        )
    if fields.get("resolution") and fields.get("status") != FaultStatus.RESOLVED:
        updates.append(UpdateEntry(f"Resolution: {fields['resolution']}"[:4000], Party.SELLER))
    return updates


def _comments(notes: list[messages.Note]) -> list[CommentEntry]:
    comments = []
    for note in notes:
        note_id = clean_text(note.note_id or "")
        text = clean_text(note.content or "")
        if not note_id or not text:
            continue
        comments.append(
            CommentEntry(
                text=text[:NOTE_MAX],
                commented_by=Party.SELLER,
                commented_time=note.created_date_time,
                key=note_id[:300],
            )
        )
    return comments


def _contacts(contacts: list[messages.Contact], profile: Profile) -> list[ContactEntry]:
    entries = []
    for contact in contacts:
        their_type = clean_text(contact.type or "")
        names = (contact.first_name or "", contact.last_name or "")
        entries.append(
            ContactEntry(
                email=clean_text(contact.email or ""),
                name=clean_text(" ".join(n.strip() for n in names if n and n.strip())),
                phone=clean_text(contact.phone_number or ""),
                role=profile.contact_role(their_type),
                primary=bool(contact.is_primary),
                their_type=their_type[:200],
            )
        )
    return entries


def _attachments(
    ticket: messages.Ticket,
    partner: Partner,
    fault_id: int,
    actor: Actor,
    at: datetime | None,
) -> None:
    for uri in ticket.attachments:
        reference = clean_text(uri.uri or "")
        filename = clean_text(uri.filename or "")
        stored = stored_attachment(partner, reference) if reference else None
        content = messages.Attachment.from_element(parse_xml(stored)).payload if stored else None
        fault_attachment_from_supplier(
            fault_id=fault_id,
            actor=actor,
            filename=filename,
            content=content,
            reference=reference,
            at=at,
        )


def _without_our_notes(report: SupplierReport, fault_id: int) -> SupplierReport:
    """Our own notes come back in the partner's tickets: their NoteIds start with our reference
    and a slash (`integrations.tep.tickets`); never read back as the partner's."""
    reference = Fault.objects.filter(pk=fault_id).values_list("buyer_fault_reference", flat=True)
    ours = f"{reference.get()}/"
    comments = tuple(c for c in report.comments if not c.key.startswith(ours))
    return replace(report, comments=comments)


def _notes_only(report: SupplierReport) -> SupplierReport:
    return SupplierReport(sent_at=report.sent_at, comments=report.comments)


def _without_status(report: SupplierReport) -> SupplierReport:
    return SupplierReport(
        sent_at=report.sent_at,
        maintainer_fault_reference=report.maintainer_fault_reference,
        updates=report.updates,
        comments=report.comments,
        details=report.details,
        anomalies=report.anomalies,
    )
