"""What we send a TEP partner, through the real outbox delivery to a stub TEP on loopback: a
New ticket on raise and an Update for every later operation, each valid against our XSD, with
our reference as Sender.TicketReference, its own SystemTransactionID and our TrackingReference;
files posted before the ticket that refers to them."""

import base64

import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from faults.errors import FaultValidationError
from faults.models import FaultAttachment
from faults.services import (
    fault_accept_resolution,
    fault_amend,
    fault_cancel,
    fault_comment_add,
    fault_reject_resolution,
    fault_submit,
)
from integrations.choices import OutboundStatus
from integrations.tep.models import TepConnection, TepTransaction
from integrations.tep.namespaces import TICKET_SERVICE_NS, TYPES_NS
from integrations.tep.schema import schema_errors
from tests.helpers import bring_to
from tests.tep.outbound.conftest import AGENT, OUR_ID, ROLE, THEIR_ID, attach, deliver, due
from tests.tep.outbound.stub import accepted, attachment_uri, sent_payload, text, ticket_of

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def details(ticket) -> dict[str, str]:
    return {
        d.findtext(f"{{{TYPES_NS}}}Name"): d.findtext(f"{{{TYPES_NS}}}Value")
        for d in ticket.iter(f"{{{TYPES_NS}}}Detail")
    }


def test_a_raise_posts_a_new_ticket_that_our_xsd_accepts(tep, tep_partner, fault):
    tep.then(accepted(555))
    fault_submit(fault_id=fault.pk, actor=AGENT)
    (message,) = due(tep_partner)
    assert message.message_type == "PostTicket"

    assert deliver(message).status == OutboundStatus.DELIVERED
    (received,) = tep.received
    assert received.path == "/tep/TicketService.svc"
    assert received.headers["SOAPAction"] == (
        '"http://schemas.ticketexchange.example/2013/06/tep/ITicketService/PostTicket"'
    )
    assert received.headers["Content-Type"].startswith("text/xml")
    assert schema_errors(received.body) == []
    ticket = ticket_of(received)
    sent = TepTransaction.objects.get(outbound=message)
    assert text(ticket, "MessageType") == "New"
    assert text(ticket, "SystemTransactionID") == sent.system_transaction_id
    assert text(ticket, "TrackingReference") == message.message_id == sent.tracking_reference
    assert text(ticket, "Sender/ID") == str(OUR_ID)
    assert text(ticket, "Sender/ConversationRoleID") == str(ROLE)
    assert text(ticket, "Sender/TicketReference") == fault.buyer_fault_reference
    assert text(ticket, "Receiver/ID") == str(THEIR_ID)
    sent_details = details(ticket)
    assert sent_details["Status"] == "New"  # our pending, in the default profile's words
    assert sent_details["ServiceId"] == fault.service_id
    assert sent_details["CustomerReference"] == fault.buyer_fault_reference
    emails = [e.text for e in ticket.iter(f"{{{TYPES_NS}}}Email")]
    assert emails == ["ada@example.test", "site@example.test"]
    assert sent.interaction_id == 555  # from TEP's PostTicketResponse


def test_files_are_posted_before_the_ticket_that_carries_their_uris(tep, tep_partner, fault):
    attach(fault, "first.txt", b"first file\n")
    attach(fault, "second.log", b"second file\n")
    fault_submit(fault_id=fault.pk, actor=AGENT)
    first, second, ticket_message = due(tep_partner)
    assert [m.message_type for m in (first, second, ticket_message)] == [
        "PostAttachment",
        "PostAttachment",
        "PostTicket",
    ]
    # The ticket waits for the files before it in the fault's line.
    assert deliver(ticket_message).status == OutboundStatus.PENDING
    assert tep.received == []

    tep.then(
        attachment_uri("first.txt", "https://tep.example/att/1"),
        attachment_uri("second.log", "https://tep.example/att/2"),
        accepted(9),
    )
    for message in (first, second, ticket_message):
        assert deliver(message).status == OutboundStatus.DELIVERED

    paths = [r.path for r in tep.received]
    assert paths == [
        "/tep/AttachmentService.svc",
        "/tep/AttachmentService.svc",
        "/tep/TicketService.svc",
    ]
    for received in tep.received:
        assert schema_errors(received.body) == []
    posted = sent_payload(tep.received[0])
    assert text(posted.find(f"{{{TICKET_SERVICE_NS}}}Attachment"), "Filename") == "first.txt"
    payload = posted.find(f".//{{{TYPES_NS}}}Payload").text
    assert base64.b64decode(payload) == b"first file\n"
    stids = {
        posted.find(f".//{{{TYPES_NS}}}SystemTransactionID").text
        for posted in map(sent_payload, tep.received[:2])
    }
    assert len(stids) == 2

    ticket = ticket_of(tep.received[2])
    uris = [(u.findtext(f"{{{TYPES_NS}}}Filename"), u.findtext(f"{{{TYPES_NS}}}Uri"))
            for u in ticket.iter(f"{{{TYPES_NS}}}AttachmentUri")]  # fmt: skip
    assert uris == [
        ("first.txt", "https://tep.example/att/1"),
        ("second.log", "https://tep.example/att/2"),
    ]
    # What is stored is what was built; the URIs are filled in for each attempt.
    ticket_message.refresh_from_db()
    assert "AttachmentUri" not in ticket_message.body


def test_a_file_tep_does_not_accept_is_left_out_and_said(tep, tep_partner, fault):
    # Stored while our own list allowed it (ATTACHMENT_ALLOWED_EXTENSIONS is a setting).
    stored = FaultAttachment(fault=fault, filename="notes.json")
    stored.file.save("notes.json", ContentFile(b'{"a": 1}'), save=True)
    fault_submit(fault_id=fault.pk, actor=AGENT)
    assert [m.message_type for m in due(tep_partner)] == ["PostTicket"]
    assert fault.events.filter(message__contains="TEP accepts no '.json' files").exists()


def test_every_later_operation_is_an_update_with_its_own_system_transaction_id(
    tep, tep_partner, fault
):
    fault_submit(fault_id=fault.pk, actor=AGENT)
    fault_amend(fault_id=fault.pk, actor=AGENT, changes={"description": "Now down all day."})
    comment = fault_comment_add(fault_id=fault.pk, actor=AGENT, text="Engineer on site at 3.")
    fault_cancel(fault_id=fault.pk, actor=AGENT, reason="Customer fixed it.")
    tep.then(*(accepted(n) for n in range(1, 5)))
    for message in due(tep_partner):
        assert deliver(message).status == OutboundStatus.DELIVERED

    tickets = [ticket_of(r) for r in tep.received]
    assert [text(t, "MessageType") for t in tickets] == ["New", "Update", "Update", "Update"]
    stids = [text(t, "SystemTransactionID") for t in tickets]
    assert len(set(stids)) == 4
    assert set(stids) == set(TepTransaction.objects.values_list("system_transaction_id", flat=True))
    assert {text(t, "Sender/TicketReference") for t in tickets} == {fault.buyer_fault_reference}
    assert all(schema_errors(r.body) == [] for r in tep.received)
    assert details(tickets[1])["Description"] == "Now down all day."
    note = tickets[2].find(f".//{{{TYPES_NS}}}Note")
    assert (
        note.findtext(f"{{{TYPES_NS}}}NoteId")
        == f"{fault.buyer_fault_reference}/comment/{comment.pk}"
    )
    assert note.findtext(f"{{{TYPES_NS}}}Content") == "Engineer on site at 3."
    assert details(tickets[3])["Status"] == "Cancelled"
    assert "Customer fixed it." in tickets[3].find(f".//{{{TYPES_NS}}}Content").text
    # Conversation role: on New only.
    assert text(tickets[1], "Sender/ConversationRoleID") is None


@pytest.mark.parametrize("accepted_answer", [True, False])
def test_our_answer_to_the_resolution_is_an_update_with_the_reason(
    tep, tep_partner, fault, accepted_answer
):
    bring_to(fault, "resolved")
    if accepted_answer:
        fault_accept_resolution(fault_id=fault.pk, actor=AGENT)
    else:
        fault_reject_resolution(fault_id=fault.pk, actor=AGENT, reason="Still no sync.")
    raised, answer = due(tep_partner)
    assert (raised.operation, answer.operation) == ("raise", "resolution-answer")
    tep.then(accepted(1), accepted(2))
    for message in (raised, answer):
        assert deliver(message).status == OutboundStatus.DELIVERED
    ticket = ticket_of(tep.received[-1])
    assert schema_errors(tep.received[-1].body) == []
    note = ticket.find(f".//{{{TYPES_NS}}}Content").text
    if accepted_answer:
        assert (details(ticket)["Status"], note) == ("Closed", "Resolution accepted.")
    else:
        assert (details(ticket)["Status"], note) == (
            "Reopened",
            "Resolution rejected: Still no sync.",
        )


def test_two_messages_never_share_a_system_transaction_id(tep, tep_partner, fault):
    fault_submit(fault_id=fault.pk, actor=AGENT)
    fault_comment_add(fault_id=fault.pk, actor=AGENT, text="One.")
    first, second = TepTransaction.objects.order_by("id")
    with pytest.raises(IntegrityError), transaction.atomic():
        TepTransaction.objects.filter(pk=second.pk).update(
            system_transaction_id=first.system_transaction_id
        )


def test_a_fault_our_xsd_refuses_is_not_raised(tep_partner, fault):
    type(fault).objects.filter(pk=fault.pk).update(reporter_email="not an address")
    with pytest.raises(FaultValidationError, match="cannot take this as it is"):
        fault_submit(fault_id=fault.pk, actor=AGENT)
    assert due(tep_partner) == []
    fault.refresh_from_db()
    assert fault.status == "draft"


def test_a_partner_without_its_tep_setup_cannot_be_sent_to(tep_partner, fault):
    TepConnection.objects.filter(partner=tep_partner).delete()
    with pytest.raises(FaultValidationError, match="no TEP setup"):
        fault_submit(fault_id=fault.pk, actor=AGENT)


@pytest.mark.django_db(transaction=True)
def test_the_message_and_its_tep_rows_commit_together(tep, tep_partner, fault):
    """The TepTransaction is written before its outbound row (the adapter builds the request
    the outbox then stores): both commit with the change, the reference checked at commit."""
    attach(fault, "trace.txt")
    fault_submit(fault_id=fault.pk, actor=AGENT)  # its own transaction, committed
    messages = due(tep_partner)
    assert [m.message_type for m in messages] == ["PostAttachment", "PostTicket"]
    assert {t.outbound_id for t in TepTransaction.objects.all()} == {m.message_id for m in messages}
