"""Building the ticket messages a TEP partner sends, and storing them in the inbox the way the
edge does (`integrations.tep.received.store_ticket`), so that `apply_ticket` reads real rows."""

from datetime import datetime

from lxml import etree

from integrations.models import InboundMessage, Partner
from integrations.tep import messages
from integrations.tep.namespaces import TYPES_NS
from integrations.tep.received import store_ticket


def detail(name: str, value: str) -> messages.Detail:
    return messages.Detail(name=name, value=value)


def note(note_id: str, content: str, created: datetime | None = None) -> messages.Note:
    return messages.Note(note_id=note_id, content=content, created_date_time=created)


def contact(email: str, last: str, kind: str = "Reporter", **extra) -> messages.Contact:
    return messages.Contact(
        email=email,
        last_name=last,
        type=kind,
        is_primary=extra.pop("is_primary", False),
        is_email_enabled=True,
        **extra,
    )


def ticket(
    kind: str,
    *,
    theirs: str = "INC-1001",
    ours: str | None = None,
    at: datetime | None = None,
    details: list | None = None,
    notes: list | None = None,
    contacts: list | None = None,
    attachments: list | None = None,
) -> messages.Ticket:
    return messages.Ticket(
        message_type=messages.MessageType(kind),
        request_date_time=at,
        system_transaction_id=messages.new_system_transaction_id(),
        sender=messages.Partner(
            id=7, name="Partner", conversation_role_id=1, ticket_reference=theirs
        ),
        receiver=messages.Partner(ticket_reference=ours) if ours else None,
        details=details or [],
        contacts=contacts or [],
        notes=notes or [],
        attachments=attachments or [],
    )


def stored(partner: Partner, message: messages.Ticket, *, note_times: dict | None = None):
    """Store the ticket as the edge does and return its inbox row. `note_times` writes a note's
    CreatedDateTime as given text (NoteId → text), e.g. the seed's "5/21/2012 1:00:00 PM"."""
    element = message.to_element()
    for note_id, text in (note_times or {}).items():
        for note_element in element.iter(f"{{{TYPES_NS}}}Note"):
            if note_element.findtext(f"{{{TYPES_NS}}}NoteId") == note_id:
                when = note_element.find(f"{{{TYPES_NS}}}CreatedDateTime")
                if when is None:
                    when = etree.SubElement(note_element, f"{{{TYPES_NS}}}CreatedDateTime")
                when.text = text
    result = store_ticket(partner, element)
    assert result.created
    return InboundMessage.objects.get(pk=result.inbound_id)
