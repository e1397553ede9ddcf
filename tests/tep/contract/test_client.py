"""zeep on our local WSDLs: never fetching anything, every request it builds valid against our
XSD, and calls over a real socket read by us (answers, the seed's faults, HTTP errors)."""

import shutil

import pytest
import requests
import zeep
from zeep.exceptions import DTDForbidden, ExternalReferenceForbidden, TransportError

from integrations.http import PartnerSession
from integrations.models import Partner
from integrations.tep import client, faults, operations, schema, soap
from integrations.tep import messages as m
from integrations.tep.faults import TepFault
from integrations.tep.namespaces import (
    PARTNER_SERVICE_NS,
    SOAP_ENV_NS,
    TICKET_SERVICE_NS,
    soap_action,
)
from tests.scripted_partner import Reply, ScriptedPartner
from tests.tep.contract.samples import full_ticket

RECEIPT = m.Receipt(status=m.ReceiptStatus.DELIVERY_SUCCEEDED, tracking_reference="F-1/1")
ATTACHMENT = m.Attachment(
    filename="trace.pcap",
    payload=b"\xd4\xc3\xb2\xa1",
    system_transaction_id=m.new_system_transaction_id(),
)
URI = m.AttachmentUri(filename="trace.pcap", uri="https://tep.example/a/1")
RESULT = m.TicketMessageProcessingResult(
    message_id=7, ticket_reference="F-1", processing_status=m.ProcessingStatus.UNAVAILABLE
)


def tep_partner(base_url: str = "https://tep.example/hub/", **fields) -> Partner:
    """A partner of the TEP protocol (not saved: the client only reads it)."""
    return Partner(name="TEP", slug="tep", protocol="tep", base_url=base_url, **fields)


# --- loading the WSDLs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wsdl", "services"),
    [
        (client.TEP_WSDL, {"TicketService": 4, "AttachmentService": 2}),
        (client.PARTNER_WSDL, {"TicketService": 2, "AttachmentService": 2}),
    ],
)
def test_zeep_loads_each_wsdl_from_its_local_file(wsdl, services):
    document = client._document(str(wsdl))

    found = {
        name: len(port.binding._operations)
        for name, service in document.services.items()
        for port in service.ports.values()
    }
    assert found == services


def test_the_zeep_settings_forbid_dtds_entities_and_external_references():
    proxy = client.tep_client(tep_partner(), "ticket")

    settings = proxy._client.settings
    assert (settings.forbid_dtd, settings.forbid_entities, settings.forbid_external) == (
        True,
        True,
        True,
    )
    assert settings.strict is True


def _copy_contract(tmp_path):
    for path in schema.WSDL_DIR.iterdir():
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


@pytest.mark.parametrize("file", ["tep.wsdl", "tep-service.xsd"])
def test_a_contract_importing_an_http_url_is_refused(tmp_path, file):
    directory = _copy_contract(tmp_path)
    path = directory / file
    path.write_text(
        path.read_text().replace(
            'schemaLocation="tep-types.xsd"', 'schemaLocation="http://127.0.0.1:9/tep-types.xsd"'
        )
    )

    with pytest.raises(ExternalReferenceForbidden):
        client._document(str(directory / "tep.wsdl"))


def test_without_forbid_external_the_loader_still_fetches_nothing(tmp_path):
    directory = _copy_contract(tmp_path)
    path = directory / "tep.wsdl"
    path.write_text(
        path.read_text().replace(
            'schemaLocation="tep-types.xsd"', 'schemaLocation="http://127.0.0.1:9/tep-types.xsd"'
        )
    )
    transport = zeep.Transport(session=client._OfflineSession())

    with pytest.raises(client.ExternalReferenceRefused):
        zeep.wsdl.Document(str(path), transport, settings=zeep.Settings(forbid_external=False))


def test_a_wsdl_with_a_dtd_is_refused(tmp_path):
    directory = _copy_contract(tmp_path)
    path = directory / "tep.wsdl"
    text = path.read_text()
    path.write_text(text.replace("<wsdl:definitions", "<!DOCTYPE x []>\n<wsdl:definitions", 1))

    with pytest.raises(DTDForbidden):
        client._document(str(path))


def test_the_client_is_bound_to_the_partner_through_its_hardened_session():
    partner = tep_partner(
        client_cert_path="/certs/us.pem",
        client_key_path="/certs/us.key",
        ca_bundle_path="/certs/tep-ca.pem",
        connect_timeout=3.0,
        read_timeout=11.0,
    )

    ticket = client.tep_client(partner, "ticket")
    attachment = client.tep_client(partner, "attachment")

    assert ticket._binding_options["address"] == "https://tep.example/hub/TicketService.svc"
    assert attachment._binding_options["address"] == "https://tep.example/hub/AttachmentService.svc"
    transport = ticket._client.transport
    assert transport.operation_timeout == (3.0, 11.0)
    session = transport.session
    assert isinstance(session, PartnerSession)
    assert session.cert == ("/certs/us.pem", "/certs/us.key")
    assert session.verify == "/certs/tep-ca.pem"
    assert session.max_redirects == 0
    assert session.trust_env is False
    # An attachment comes back whole: its service may read more than a message's cap.
    assert attachment._client.transport.session.max_response_bytes > session.max_response_bytes


# --- what zeep builds ------------------------------------------------------------------------

REQUESTS = [
    ("tep", "ticket", "PostTicket", {"Ticket": full_ticket()}),
    ("tep", "ticket", "GetTicket", {}),
    ("tep", "ticket", "ReportTicketResult", {"TicketMessageProcessingResult": RESULT}),
    ("tep", "ticket", "GetReceipt", {"Count": 20}),
    ("tep", "attachment", "PostAttachment", {"Attachment": ATTACHMENT}),
    ("tep", "attachment", "GetAttachment", {"AttachmentUri": URI}),
    ("partner", "ticket", "PostTicket", {"Ticket": full_ticket()}),
    ("partner", "ticket", "PostReceipt", {"Receipt": RECEIPT}),
    ("partner", "attachment", "PostAttachment", {"Attachment": ATTACHMENT}),
    ("partner", "attachment", "GetAttachment", {"AttachmentUri": URI}),
]


def _proxy(side, service):
    if side == "tep":
        return client.tep_client(tep_partner(), service)
    return client.partner_client("https://us.example/integrations/tep/tep/x.svc", service)


@pytest.mark.parametrize(("side", "service", "name", "kwargs"), REQUESTS)
def test_every_request_zeep_builds_is_valid_and_carries_our_message(side, service, name, kwargs):
    proxy = _proxy(side, service)
    values = {key: client._zeep_value(proxy, value) for key, value in kwargs.items()}

    envelope = proxy._client.create_message(proxy, name, **values)

    assert schema.schema_errors(envelope) == []
    payload = soap.body_element(envelope)
    op = operations.operation_for(payload)
    assert op.name == name
    expected = next(iter(kwargs.values()), None)
    assert operations.read_request(op, payload) == expected


def test_a_request_zeep_builds_from_plain_values_is_valid():
    proxy = _proxy("tep", "ticket")

    envelope = proxy._client.create_message(
        proxy,
        "PostTicket",
        Ticket={
            "MessageType": "Update",
            "SystemTransactionID": m.new_system_transaction_id(),
            "Sender": {"TicketReference": "F-1"},
            "Notes": {"Note": [{"NoteId": "1", "CreatedDateTime": "5/21/2012 1:00:00 PM"}]},
        },
    )

    assert schema.schema_errors(envelope) == []


# --- calls over a socket ---------------------------------------------------------------------


def _answer(name, value=None, status=200):
    body = soap.envelope(operations.response_element(operations.TEP_OPERATIONS[name], value))
    return Reply(status, body, headers={"Content-Type": soap.CONTENT_TYPE})


@pytest.fixture(scope="module")
def tep_server():
    with ScriptedPartner() as server:
        yield server


@pytest.fixture
def tep(tep_server):
    """TEP played from a script, with nothing received and nothing scripted yet."""
    tep_server.script.clear()
    tep_server.received.clear()
    return tep_server


@pytest.fixture
def partner(tep):
    return tep_partner(f"{tep.url}/hub/", connect_timeout=2.0, read_timeout=2.0)


def test_post_ticket_sends_a_valid_request_and_returns_the_interaction(tep, partner):
    ticket = full_ticket()
    tep.then(_answer("PostTicket", m.PostTicketResponse(interaction_id=4711)))

    answer = client.call(partner, "ticket", "PostTicket", Ticket=ticket)

    assert answer == m.PostTicketResponse(interaction_id=4711)
    [received] = tep.received
    assert received.path == "/hub/TicketService.svc"
    assert received.headers["SOAPAction"] == f'"{soap_action(TICKET_SERVICE_NS, "PostTicket")}"'
    assert received.headers["Content-Type"].startswith("text/xml")
    assert schema.schema_errors(received.body) == []
    name, payload = soap.unwrap(received.body)
    assert name == "PostTicket"
    assert operations.read_request(operations.TEP_OPERATIONS["PostTicket"], payload) == ticket


@pytest.mark.parametrize(
    ("service", "name", "kwargs", "value"),
    [
        ("ticket", "GetTicket", {}, m.GetTicketResponse(message_id=3, ticket=full_ticket())),
        ("ticket", "GetTicket", {}, None),
        ("ticket", "ReportTicketResult", {"TicketMessageProcessingResult": RESULT}, None),
        ("ticket", "GetReceipt", {"Count": 20}, [RECEIPT, RECEIPT]),
        ("ticket", "GetReceipt", {"Count": 20}, []),
        ("attachment", "PostAttachment", {"Attachment": ATTACHMENT}, URI),
        ("attachment", "GetAttachment", {"AttachmentUri": URI}, ATTACHMENT),
    ],
)
def test_each_tep_operation_returns_its_answer(tep, partner, service, name, kwargs, value):
    tep.then(_answer(name, value))

    answer = client.call(partner, service, name, **kwargs)

    assert answer == value
    assert (
        tep.received[0].path
        == f"/hub/{'AttachmentService' if service == 'attachment' else 'TicketService'}.svc"
    )
    assert schema.schema_errors(tep.received[0].body) == []


@pytest.mark.parametrize("code", [1000, 1100, 2000, 2100, 3000, 3100, 4000, 5000])
def test_a_fault_answer_is_raised_with_its_code(tep, partner, code):
    tep.then(
        Reply(500, soap.fault_envelope(TepFault(code, "no")), headers={"Content-Type": "text/xml"})
    )

    with pytest.raises(TepFault) as raised:
        client.call(partner, "ticket", "GetReceipt", Count=5)

    assert raised.value.code == code
    assert raised.value.retryable is (faults.family_of(code) is faults.FaultFamily.UNAVAILABLE)


def test_an_http_error_without_a_fault_is_a_transport_error(tep, partner):
    tep.then(Reply(503, b"<html>Service Unavailable</html>", headers={"Content-Type": "text/html"}))

    with pytest.raises(TransportError) as raised:
        client.call(partner, "ticket", "GetTicket")

    assert raised.value.status_code == 503


def test_a_redirect_is_not_followed(tep, partner):
    tep.then(Reply(302, b"", headers={"Location": f"{tep.url}/elsewhere"}))

    with pytest.raises(TransportError) as raised:
        client.call(partner, "ticket", "GetTicket")

    assert raised.value.status_code == 302
    assert len(tep.received) == 1


def test_an_answer_that_breaks_the_contract_is_refused(tep, partner):
    body = soap.envelope(
        operations.response_element(operations.TEP_OPERATIONS["GetReceipt"], [RECEIPT])
    ).replace(b"DeliverySuceeded", b"DeliverySucceeded")
    tep.then(Reply(200, body))

    with pytest.raises(
        client.ResponseInvalid, match="'DeliverySucceeded' is not an element"
    ) as raised:
        client.call(partner, "ticket", "GetReceipt", Count=5)

    assert raised.value.body == body


def test_the_answer_of_another_operation_is_refused(tep, partner):
    tep.then(_answer("GetTicket", None))

    with pytest.raises(
        client.ResponseInvalid, match="expected GetReceiptResponse, got GetTicketResponse"
    ):
        client.call(partner, "ticket", "GetReceipt", Count=5)


def test_an_answer_that_is_not_soap_is_refused(tep, partner):
    tep.then(Reply(200, b"OK"))

    with pytest.raises(client.ResponseInvalid, match="not well-formed"):
        client.call(partner, "ticket", "GetTicket")


def test_a_request_that_breaks_the_contract_is_never_sent(tep, partner):
    ticket = full_ticket(notes=[m.Note(note_id="N-9", content="x" * 300_001)])

    with pytest.raises(TepFault) as raised:
        client.call(partner, "ticket", "PostTicket", Ticket=ticket)

    assert raised.value.code == faults.VALIDATION
    assert raised.value.message.startswith("not sent, it breaks the contract:")
    assert "300000" in raised.value.message
    assert tep.received == []


def test_the_operation_timeout_holds(tep):
    partner = tep_partner(f"{tep.url}/hub/", connect_timeout=1.0, read_timeout=0.2)
    tep.then(Reply(200, b"", delay=1.0))

    with pytest.raises(requests.Timeout):
        client.call(partner, "ticket", "GetTicket")


def test_an_operation_of_another_service_is_refused():
    with pytest.raises(ValueError, match="no operation 'GetTicket'"):
        client.call(tep_partner(), "attachment", "GetTicket")


def test_the_partner_client_calls_a_partner_hosted_operation(tep):
    op = operations.PARTNER_OPERATIONS["PostTicket"]
    answer = operations.response_element(op, m.PartnerPostTicketResponse(ticket_reference="P-1"))
    tep.then(Reply(200, soap.envelope(answer)))
    proxy = client.partner_client(f"{tep.url}/integrations/tep/tep/TicketService.svc", "ticket")

    result = client.call_partner(proxy, "PostTicket", Ticket=full_ticket())

    assert result == m.PartnerPostTicketResponse(ticket_reference="P-1")
    assert tep.received[0].headers["SOAPAction"].endswith('/partner/ITicketService/PostTicket"')


def test_a_nil_get_ticket_result_means_no_message_waiting(tep, partner):
    body = (
        f'<s:Envelope xmlns:s="{SOAP_ENV_NS}"><s:Body>'
        f'<GetTicketResponse xmlns="{TICKET_SERVICE_NS}"><GetTicketResult '
        f'xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:nil="true"/></GetTicketResponse>'
        "</s:Body></s:Envelope>"
    ).encode()
    assert schema.schema_errors(body) == []
    tep.then(Reply(200, body))

    assert client.call(partner, "ticket", "GetTicket") is None


@pytest.mark.parametrize("status", [200, 202])
def test_a_void_operation_answered_with_its_status_alone(tep, partner, status):
    tep.then(Reply(status, b""))

    assert (
        client.call(partner, "ticket", "ReportTicketResult", TicketMessageProcessingResult=RESULT)
        is None
    )


def test_an_empty_answer_to_an_operation_with_a_result_is_refused(tep, partner):
    tep.then(Reply(200, b""))

    with pytest.raises(client.ResponseInvalid, match="empty body"):
        client.call(partner, "ticket", "GetReceipt", Count=1)


@pytest.mark.parametrize(
    ("wsdl", "namespace", "ops"),
    [
        (client.TEP_WSDL, TICKET_SERVICE_NS, operations.TEP_OPERATIONS),
        (client.PARTNER_WSDL, PARTNER_SERVICE_NS, operations.PARTNER_OPERATIONS),
    ],
)
def test_the_wsdl_and_our_operations_agree(wsdl, namespace, ops):
    document = client._document(str(wsdl))
    bound = {
        name: operation
        for service in document.services.values()
        for port in service.ports.values()
        for name, operation in port.binding._operations.items()
    }

    assert set(bound) == set(ops)
    for name, operation in bound.items():
        assert operation.soapaction == soap_action(namespace, name)
        assert list(operation.faults) == [family.fault_type for family in faults.FaultFamily]
