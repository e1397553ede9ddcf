"""Our hosted services called the way TEP calls them: zeep on `partner.wsdl` (the contract's
`partner_client`), over a real socket to a live server, through the partner edge as the proxy's
mutual-TLS site passes the call on. Every request and answer is checked against our XSD on both
sides (the client checks what it sends and reads; the endpoint what it reads and answers)."""

import uuid
from datetime import UTC, datetime

import pytest
import requests
from django.conf import settings as django_settings

from integrations.models import InboundMessage
from integrations.security import proxy_headers
from integrations.tep import messages, received
from integrations.tep.client import call_partner, partner_client
from integrations.tep.faults import TepFault
from tests.tep.edge.conftest import SLUG

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _server_threads_close_their_connections(monkeypatch) -> None:
    """The live server answers each request in a thread of its own, whose connection would
    otherwise outlive the test (CONN_MAX_AGE) and keep the test database from being dropped."""
    from django.db import connections

    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)


@pytest.fixture
def session(pki) -> requests.Session:
    """What the proxy adds to the partner's call: its client certificate, its address, the
    mutual-TLS site's secret."""
    session = requests.Session()
    session.trust_env = False
    session.headers.update(
        proxy_headers(
            escaped_cert=pki.supplier_client.proxy_header,
            forwarded_for="127.0.0.1",
            secret=django_settings.PARTNER_PROXY_SECRET,
        )
    )
    return session


def _service(live_server, session, service: str):
    path = "TicketService.svc" if service == "ticket" else "AttachmentService.svc"
    return partner_client(
        f"{live_server.url}/integrations/tep/{SLUG}/{path}", service, session=session
    )


def _ticket(message_type: str = "New", **fields) -> messages.Ticket:
    return messages.Ticket(
        message_type=messages.MessageType(message_type),
        request_date_time=datetime(2026, 11, 28, 9, 0, tzinfo=UTC),
        system_transaction_id=str(uuid.uuid4()),
        tracking_reference="TR-9",
        sender=messages.Partner(id=202, conversation_role_id=7, ticket_reference="INC-123"),
        details=[messages.Detail(name="Status", value="New")],
        notes=[
            messages.Note(
                note_id="N-1",
                content="Customer reports loss of service",
                created_date_time=datetime(2012, 5, 21, 13, 0, tzinfo=UTC),
            )
        ],
        **fields,
    )


def test_post_ticket(live_server, session, tep_partner):
    ticket = _ticket()
    answer = call_partner(_service(live_server, session, "ticket"), "PostTicket", Ticket=ticket)

    assert answer.ticket_reference == received.promised_reference(
        tep_partner, ticket.system_transaction_id
    )
    (message,) = InboundMessage.objects.filter(partner=tep_partner)
    assert message.message_id == ticket.system_transaction_id
    from integrations.xml import parse_xml

    assert messages.Ticket.from_element(parse_xml(bytes(message.body))) == ticket


def test_post_ticket_refused_is_a_tep_fault_with_its_code(live_server, session, tep_partner):
    ticket = _ticket("Update", receiver=messages.Partner(ticket_reference="NOC-NONE"))
    with pytest.raises(TepFault) as refused:
        call_partner(_service(live_server, session, "ticket"), "PostTicket", Ticket=ticket)
    assert (refused.value.fault_type, refused.value.code) == ("ServiceValidationFault", 3100)
    assert not InboundMessage.objects.exists()


def test_post_attachment_then_get_attachment(live_server, session, tep_partner):
    attachments = _service(live_server, session, "attachment")
    sent = messages.Attachment(
        filename="capture.pcap",
        payload=b"\xd4\xc3\xb2\xa1" + bytes(range(256)) * 4,
        system_transaction_id=str(uuid.uuid4()),
    )

    uri = call_partner(attachments, "PostAttachment", Attachment=sent)
    assert uri.filename == "capture.pcap"
    assert uri.uri == received.attachment_uri(sent.system_transaction_id)

    back = call_partner(attachments, "GetAttachment", AttachmentUri=uri)
    assert (back.filename, back.payload) == (sent.filename, sent.payload)


def test_a_forbidden_attachment_is_a_validation_fault(live_server, session, tep_partner):
    attachments = _service(live_server, session, "attachment")
    program = messages.Attachment(
        filename="invoice.pdf", payload=b"MZ\x90\x00" * 8, system_transaction_id=str(uuid.uuid4())
    )
    with pytest.raises(TepFault) as refused:
        call_partner(attachments, "PostAttachment", Attachment=program)
    assert (refused.value.fault_type, refused.value.code) == ("ServiceValidationFault", 3000)
