"""The ticket messages we send a TEP partner about our fault, one per domain operation: New on
raise; Update on amend, comment, cancel and our answer to its resolution.

Every message carries our reference as Sender.TicketReference, its own SystemTransactionID and
our TrackingReference (the outbox message id: unique, and what receipts quote back), and the
fault's state as the partner's profile names it (`profiles.outgoing_details`). What the
operation adds is a note: the comment, the reason for the cancellation, our answer to the
resolution. Notes are immutable at TEP, so each NoteId is made once and never reused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from faults.choices import PartnerOperation
from faults.models import Fault, FaultAttachment, FaultComment
from integrations.tep.messages import Contact, MessageType, Note, Partner, Ticket
from integrations.tep.models import TepConnection
from integrations.tep.profiles import Profile, outgoing_details

# What a comment says about the fault beyond itself: which fault, and where it stands.
COMMENT_FIELDS = ("buyer_fault_reference", "maintainer_fault_reference", "status")
NOTE_TYPE = "Comment"
_CONTACTS = (  # (role, name, phone, e-mail) of the fault's contacts, the reporter first
    ("reporter", "reporter_name", "reporter_phone", "reporter_email"),
    ("site_access_contact", "site_access_contact_name", "site_access_contact_phone",
     "site_access_contact_email"),
    ("end_user", "end_user_name", "end_user_phone", "end_user_email"),
)  # fmt: skip


@dataclass(frozen=True)
class TicketIds:
    system_transaction_id: str
    tracking_reference: str


def message_type_for(operation: str) -> MessageType:
    return MessageType.NEW if operation == PartnerOperation.RAISE else MessageType.UPDATE


def build_ticket(
    *,
    fault: Fault,
    operation: str,
    payload: dict[str, Any],
    connection: TepConnection,
    profile: Profile,
    ids: TicketIds,
    at: datetime,
) -> Ticket:
    """The ticket message for a domain operation on the fault (without its attachments: their
    URIs are known only once TEP has taken them, `adapter.TepAdapter.prepare_request`)."""
    message_type = message_type_for(operation)
    new = message_type == MessageType.NEW
    sender = Partner(
        id=connection.our_partner_id,
        conversation_role_id=connection.conversation_role_id if new else None,
        ticket_reference=fault.buyer_fault_reference,
    )
    receiver = Partner(
        id=connection.their_partner_id,
        ticket_reference=None if new else (fault.maintainer_fault_reference or None),
    )
    only = COMMENT_FIELDS if operation == PartnerOperation.COMMENT else None
    return Ticket(
        message_type=message_type,
        system_transaction_id=ids.system_transaction_id,
        tracking_reference=ids.tracking_reference,
        sender=sender,
        receiver=receiver,
        details=outgoing_details(fault, profile, only=only),
        contacts=contacts_for(fault, profile) if operation in _WITH_CONTACTS else [],
        notes=_notes(fault, operation, payload, ids, at),
    )


_WITH_CONTACTS = (PartnerOperation.RAISE, PartnerOperation.AMEND)


def contacts_for(fault: Fault, profile: Profile) -> list[Contact]:
    """The fault's contacts that have an e-mail address (TEP's key for a contact: each address
    once), in the contact types of the profile; the first one is the primary."""
    type_for = {role: word for word, role in profile.contact_types.items()}
    contacts: list[Contact] = []
    seen: set[str] = set()
    for role, name_field, phone_field, email_field in _CONTACTS:
        email = (getattr(fault, email_field) or "").strip()
        if not email or email.lower() in seen or role not in type_for:
            continue
        seen.add(email.lower())
        first, _, last = (getattr(fault, name_field) or "").strip().rpartition(" ")
        contacts.append(
            Contact(
                email=email,
                first_name=first or None,
                last_name=last or email.split("@", 1)[0],
                phone_number=(getattr(fault, phone_field) or "").strip() or None,
                type=type_for[role],
                is_primary=not contacts,
                is_email_enabled=False,
            )
        )
    return contacts


def _notes(
    fault: Fault, operation: str, payload: dict[str, Any], ids: TicketIds, at: datetime
) -> list[Note]:
    reference = fault.buyer_fault_reference
    if operation == PartnerOperation.COMMENT:
        comment = FaultComment.objects.get(pk=payload["comment_id"], fault=fault)
        return [
            Note(
                note_id=f"{reference}/comment/{comment.pk}",
                type=NOTE_TYPE,
                content=comment.text,
                created_date_time=comment.commented_time,
            )
        ]
    text = _operation_note(operation, payload)
    if not text:
        return []
    # One note per message: its id is the message's own, so never reused.
    return [
        Note(
            note_id=f"{reference}/{ids.tracking_reference}",
            type=NOTE_TYPE,
            content=text,
            created_date_time=at,
        )
    ]


def _operation_note(operation: str, payload: dict[str, Any]) -> str:
    reason = str(payload.get("reason") or "").strip()
    if operation == PartnerOperation.CANCEL:
        return f"Cancelled by us: {reason}" if reason else "Cancelled by us."
    if operation == PartnerOperation.RESOLUTION_ANSWER:
        if payload.get("accepted"):
            return "Resolution accepted."
        return f"Resolution rejected: {reason}" if reason else "Resolution rejected."
    return ""


def files_to_post(fault: Fault, operation: str, payload: dict[str, Any]) -> list[FaultAttachment]:
    """The fault's files a message carries: all of them with the raise, the ones added with an
    amendment; only those stored here (a link to a file elsewhere has no bytes to post)."""
    if operation == PartnerOperation.RAISE:
        files = fault.attachments.all()
    elif operation == PartnerOperation.AMEND and payload.get("attachment_ids"):
        files = FaultAttachment.objects.filter(fault=fault, pk__in=payload["attachment_ids"])
    else:
        return []
    return [file for file in files.order_by("created_at", "id") if file.file]
