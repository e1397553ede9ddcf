"""The golden samples in `samples/`, and a full message of every type built in code."""

from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from integrations.tep import messages as m
from integrations.xml import parse_xml

SAMPLES = Path(__file__).resolve().parent / "samples"

# Each bare sample and the type it holds.
TYPED_SAMPLES = {
    "ticket_new.xml": m.Ticket,
    "ticket_update.xml": m.Ticket,
    "ticket_add.xml": m.Ticket,
    "receipt.xml": m.Receipt,
    "attachment.xml": m.Attachment,
    "attachment_uri.xml": m.AttachmentUri,
    "post_ticket_response.xml": m.PostTicketResponse,
    "get_ticket_response.xml": m.GetTicketResponse,
    "ticket_message_processing_result.xml": m.TicketMessageProcessingResult,
    "partner_post_ticket_response.xml": m.PartnerPostTicketResponse,
    "restful_ticket_request.xml": m.RestfulTicketRequest,
}


def sample_bytes(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def sample(name: str) -> etree._Element:
    return parse_xml(sample_bytes(name))


def full_ticket(**changes) -> m.Ticket:
    """A ticket with every property set."""
    detail = m.Detail(name="Status", value="Open", context="ctx")
    values = {
        "message_type": m.MessageType.NEW,
        "request_date_time": datetime(2026, 11, 28, 9, 15, tzinfo=UTC),
        "system_transaction_id": m.new_system_transaction_id(),
        "tracking_reference": "F-1/1",
        "sender": m.Partner(id=1, name="Us", conversation_role_id=7, ticket_reference="F-1"),
        "receiver": m.Partner(id=2, name="Them", conversation_role_id=8, ticket_reference=""),
        "details": [detail, m.Detail(name="Severity")],
        "contacts": [
            m.Contact(
                email="noc@operator.example",
                first_name="Ada",
                last_name="Lovelace",
                phone_number="+44 20 7946 0000",
                type="Reporter",
                is_primary=True,
                is_email_enabled=False,
                details=[detail],
            )
        ],
        "notes": [
            m.Note(
                note_id="N-1",
                type="Public",
                content="Loss of service.",
                created_date_time=datetime(2012, 5, 21, 13, 0, tzinfo=UTC),
                details=[detail],
            )
        ],
        "attachments": [
            m.AttachmentUri(filename="a.pdf", uri="https://tep.example/a/1", details=[detail])
        ],
    }
    values.update(changes)
    return m.Ticket(**values)


def every_message() -> list:
    """One full message of every dataclass."""
    ticket = full_ticket()
    partner = m.Partner(id=5, name="P", conversation_role_id=1, ticket_reference="R")
    return [
        m.Detail(name="Name", value="Value", context="Context"),
        partner,
        ticket.contacts[0],
        ticket.notes[0],
        ticket.attachments[0],
        m.Attachment(
            filename="log.txt",
            payload=b"\x00\xffline\n",
            system_transaction_id=m.new_system_transaction_id(),
        ),
        ticket,
        m.Receipt(
            status=m.ReceiptStatus.DELIVERY_DELAYED,
            date_time=datetime(2026, 11, 28, 9, 15, 2, 123456, tzinfo=UTC),
            status_message="Partner unavailable",
            ticket_sender=partner,
            ticket_receiver=partner,
            tracking_reference="F-1/1",
            interaction_id=2**40,
        ),
        m.PostTicketResponse(interaction_id=4711),
        m.GetTicketResponse(message_id=9, ticket=ticket),
        m.TicketMessageProcessingResult(
            message_id=9, ticket_reference="F-1", processing_status=m.ProcessingStatus.NOT_FOUND
        ),
        m.PartnerPostTicketResponse(ticket_reference="F-2"),
        m.RestfulTicketRequest(message_id="msg-1", input_ticket=ticket),
    ]
