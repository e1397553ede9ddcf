"""Hostile input at our hosted SOAP services: each answered with a SOAP fault of the seed's type
and code, never a 500, and nothing stored (so nothing applied)."""

import base64

import pytest

from integrations.models import InboundMessage, Partner
from integrations.tep.namespaces import SOAP_ENV_NS, TICKET_SERVICE_NS
from tests.tep.edge.conftest import (
    ATTACHMENT_URL,
    TICKET_URL,
    action,
    assert_fault,
    envelope,
    new_stid,
    post,
    post_ticket_body,
    ticket_xml,
)

VALIDATION = ("ServiceValidationFault", 3000)
CONFIGURATION = ("ServiceConfigurationFault", 2000)

XXE = (
    b'<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    + post_ticket_body().replace(b"<t:Content>", b"<t:Content>&xxe;")
)
EXTERNAL_DTD = b'<!DOCTYPE s:Envelope SYSTEM "http://127.0.0.1:9/evil.dtd">' + post_ticket_body()
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]>"
    + post_ticket_body().replace(b"<t:Content>", b"<t:Content>&lol9;")
)
SOAP12 = post_ticket_body().replace(
    SOAP_ENV_NS.encode(), b"http://www.w3.org/2003/05/soap-envelope"
)
NO_STID = post_ticket_body().replace(b"<t:SystemTransactionID>", b"<t:Ignored>", 1)
NO_STID = NO_STID.replace(b"</t:SystemTransactionID>", b"</t:Ignored>", 1)
BAD_STID = envelope("PostTicket", ticket_xml(tag="p:Ticket", stid="not-a-guid"))
LONG_STRING = envelope("PostTicket", ticket_xml(tag="p:Ticket", note="x" * 300_001))
BAD_MESSAGE_TYPE = post_ticket_body().replace(b">New<", b">Delete<")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(b"<s:Envelope><s:Body>", VALIDATION, id="not-well-formed"),
        pytest.param(b"", VALIDATION, id="empty"),
        pytest.param(b"\xff\xfe\x00junk", VALIDATION, id="not-text"),
        pytest.param(XXE, VALIDATION, id="xxe"),
        pytest.param(EXTERNAL_DTD, VALIDATION, id="external-dtd"),
        pytest.param(LAUGHS, VALIDATION, id="billion-laughs"),
        pytest.param(b"<Ticket/>", VALIDATION, id="not-soap"),
        pytest.param(SOAP12, VALIDATION, id="soap-1.2"),
        pytest.param(NO_STID, VALIDATION, id="missing-system-transaction-id"),
        pytest.param(BAD_STID, VALIDATION, id="system-transaction-id-not-a-guid"),
        pytest.param(LONG_STRING, VALIDATION, id="string-over-300000"),
        pytest.param(BAD_MESSAGE_TYPE, VALIDATION, id="unknown-message-type"),
        pytest.param(envelope("GetTicket", ""), CONFIGURATION, id="operation-tep-hosts"),
        pytest.param(envelope("DeleteTicket", ""), CONFIGURATION, id="no-such-operation"),
        pytest.param(
            envelope("PostTicket", ticket_xml(tag="p:Ticket"), namespace=TICKET_SERVICE_NS),
            CONFIGURATION,
            id="operation-in-teps-namespace",
        ),
        pytest.param(
            envelope("PostAttachment", "<p:Attachment/>"), CONFIGURATION, id="wrong-service"
        ),
    ],
)
def test_hostile_ticket_service_input_is_a_fault_and_stores_nothing(
    client, pki, tep_partner, body, expected
):
    fault_type, code = expected
    response = post(client, TICKET_URL, body, pki=pki)

    assert_fault(response, fault_type=fault_type, code=code, status=400)
    assert not InboundMessage.objects.exists()


def test_a_soap_action_that_is_not_the_bodys_operation_is_refused(client, pki, tep_partner):
    response = post(client, TICKET_URL, post_ticket_body(), pki=pki, action=action("PostReceipt"))
    assert_fault(response, fault_type="ServiceConfigurationFault", code=2000, status=400)
    assert not InboundMessage.objects.exists()


def test_an_oversize_body_is_refused_before_it_is_read(client, pki, tep_partner):
    body = post_ticket_body()
    Partner.objects.filter(pk=tep_partner.pk).update(max_inbound_bytes=len(body) - 1)

    response = post(client, TICKET_URL, body, pki=pki)

    fault = assert_fault(response, fault_type="ServiceValidationFault", code=3000, status=413)
    assert str(len(body) - 1) in fault.message
    assert not InboundMessage.objects.exists()


def test_a_body_that_is_not_xml_is_refused_by_its_content_type(client, pki, tep_partner):
    response = post(client, TICKET_URL, b'{"Ticket": {}}', pki=pki, content_type="application/json")
    assert_fault(response, fault_type="ServiceValidationFault", code=3000, status=415)


def _attachment_body(filename: str, payload: bytes) -> bytes:
    encoded = base64.b64encode(payload).decode()
    return envelope(
        "PostAttachment",
        f"<p:Attachment><t:Filename>{filename}</t:Filename><t:Payload>{encoded}</t:Payload>"
        f"<t:SystemTransactionID>{new_stid()}</t:SystemTransactionID></p:Attachment>",
    )


@pytest.mark.parametrize(
    ("filename", "payload", "reason"),
    [
        pytest.param("setup.exe", b"MZ\x90\x00", "exe", id="extension-not-the-seeds"),
        # In the seed's list, but ours is stricter: a browser would render it.
        pytest.param("page.htm", b"<html></html>", "not accepted", id="extension-not-ours"),
        pytest.param("report.pdf", b"MZ\x90\x00\x03", "program", id="program-named-pdf"),
        pytest.param("photo.png", b"%PDF-1.4\n%%EOF", "not a .png", id="content-not-its-type"),
        pytest.param("notes.txt", b"\x7fELF\x02\x01\x01\x00\x00", "program", id="binary-txt"),
        pytest.param("noextension", b"abc", "extension", id="no-extension"),
    ],
)
def test_an_attachment_we_do_not_accept_is_a_validation_fault(
    client, pki, tep_partner, filename, payload, reason
):
    response = post(client, ATTACHMENT_URL, _attachment_body(filename, payload), pki=pki)

    fault = assert_fault(response, fault_type="ServiceValidationFault", code=3000, status=400)
    assert reason in fault.message
    assert not InboundMessage.objects.exists()


def test_a_payload_that_is_not_base64_is_a_validation_fault(client, pki, tep_partner):
    body = _attachment_body("a.txt", b"abc").replace(b"YWJj", b"Y@Jj")
    response = post(client, ATTACHMENT_URL, body, pki=pki)
    assert_fault(response, fault_type="ServiceValidationFault", code=3000, status=400)
    assert not InboundMessage.objects.exists()
