"""The one hardened HTTP client: `partner_session(partner)` keeps its guarantees (client
certificate and CA bundle, the partner's timeouts, no redirects, a size cap on every answer)
for whoever uses it, zeep's Transport included, against real servers on loopback."""

import gzip
import ssl

import pytest
import requests
from zeep import Client, Settings
from zeep.exceptions import TransportError
from zeep.transports import Transport

from devtools.pki import DemoPki
from integrations.http import (
    MAX_RESPONSE_BYTES,
    OutboundRequest,
    Outcome,
    ResponseTooLarge,
    partner_session,
    send,
)
from integrations.models import Partner
from tests.factories import PartnerFactory
from tests.scripted_partner import Reply, ScriptedPartner

pytestmark = pytest.mark.django_db

WSDL = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:tns="urn:test:echo" xmlns:xsd="http://www.w3.org/2001/XMLSchema"
    targetNamespace="urn:test:echo" name="Echo">
  <types>
    <xsd:schema targetNamespace="urn:test:echo" elementFormDefault="qualified">
      <xsd:element name="Ping"><xsd:complexType><xsd:sequence>
        <xsd:element name="text" type="xsd:string"/>
      </xsd:sequence></xsd:complexType></xsd:element>
      <xsd:element name="Pong"><xsd:complexType><xsd:sequence>
        <xsd:element name="text" type="xsd:string"/>
      </xsd:sequence></xsd:complexType></xsd:element>
    </xsd:schema>
  </types>
  <message name="PingIn"><part name="parameters" element="tns:Ping"/></message>
  <message name="PingOut"><part name="parameters" element="tns:Pong"/></message>
  <portType name="EchoPort">
    <operation name="Ping"><input message="tns:PingIn"/><output message="tns:PingOut"/></operation>
  </portType>
  <binding name="EchoBinding" type="tns:EchoPort">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="Ping">
      <soap:operation soapAction="urn:test:echo/Ping"/>
      <input><soap:body use="literal"/></input>
      <output><soap:body use="literal"/></output>
    </operation>
  </binding>
  <service name="EchoService">
    <port name="EchoPort" binding="tns:EchoBinding">
      <soap:address location="http://127.0.0.1:9/echo"/>
    </port>
  </service>
</definitions>
"""


def pong(text: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        f'<Pong xmlns="urn:test:echo"><text>{text}</text></Pong>'
        "</soap:Body></soap:Envelope>"
    ).encode()


SOAP_XML = {"Content-Type": "text/xml; charset=utf-8"}


@pytest.fixture
def partner(db):
    return PartnerFactory(connect_timeout=0.5, read_timeout=0.5)


def echo_service(partner: Partner, tmp_path, url: str):
    """A zeep client on a local WSDL, with the design's parser hardening, whose only transport is
    the partner's hardened session."""
    wsdl = tmp_path / "echo.wsdl"
    wsdl.write_text(WSDL)
    client = Client(
        str(wsdl),
        transport=Transport(session=partner_session(partner)),
        settings=Settings(strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=True),
    )
    return client.create_service("{urn:test:echo}EchoBinding", f"{url}/echo")


def test_zeep_calls_a_partner_through_the_hardened_session(partner, tmp_path):
    with ScriptedPartner(Reply(200, pong("pong"), headers=SOAP_XML)) as server:
        answer = echo_service(partner, tmp_path, server.url).Ping(text="ping")

    assert answer == "pong"
    (request,) = server.received
    assert (request.method, request.path) == ("POST", "/echo")
    assert request.headers["SOAPAction"] == '"urn:test:echo/Ping"'
    assert b"<ns0:text>ping</ns0:text>" in request.body


def test_zeep_is_not_redirected(partner, tmp_path):
    with ScriptedPartner(Reply(200, pong("elsewhere"), headers=SOAP_XML)) as elsewhere:
        moved = Reply(307, headers={"Location": f"{elsewhere.url}/echo"})
        with ScriptedPartner(moved) as server, pytest.raises(TransportError) as raised:
            echo_service(partner, tmp_path, server.url).Ping(text="ping")

    assert raised.value.status_code == 307
    assert len(server.received) == 1
    assert elsewhere.received == []


def test_zeep_gets_no_oversized_answer(partner, tmp_path):
    huge = pong("x" * MAX_RESPONSE_BYTES)
    server = ScriptedPartner(Reply(200, huge, headers=SOAP_XML))
    with server, pytest.raises(ResponseTooLarge):
        echo_service(partner, tmp_path, server.url).Ping(text="ping")
    assert len(server.received) == 1


def test_a_redirect_is_not_followed_even_when_the_caller_asks(partner):
    elsewhere = ScriptedPartner(Reply(200, b"elsewhere"))
    server = ScriptedPartner(Reply(302, headers={"Location": f"{elsewhere.url}/x"}))
    with elsewhere, server, partner_session(partner) as session:
        response = session.get(f"{server.url}/x", allow_redirects=True)

    assert response.status_code == 302
    assert elsewhere.received == []


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(Reply(200, b"x" * (MAX_RESPONSE_BYTES + 1)), id="declared"),
        pytest.param(
            Reply(200, b"x" * (MAX_RESPONSE_BYTES + 1), declare_length=False), id="undeclared"
        ),
        pytest.param(
            Reply(
                200,
                gzip.compress(b"x" * (MAX_RESPONSE_BYTES + 1)),
                headers={"Content-Encoding": "gzip"},
            ),
            id="compressed",
        ),
    ],
)
def test_an_oversized_answer_is_refused(partner, reply):
    server = ScriptedPartner(reply)
    with server, partner_session(partner) as session, pytest.raises(ResponseTooLarge):
        session.post(f"{server.url}/x", data=b"hello")


def test_an_answer_at_the_cap_is_read_whole(partner):
    server = ScriptedPartner(Reply(200, b"x" * MAX_RESPONSE_BYTES, declare_length=False))
    with server, partner_session(partner) as session:
        response = session.get(f"{server.url}/x")
    assert len(response.content) == MAX_RESPONSE_BYTES


def test_a_caller_expecting_a_bigger_answer_says_how_big(partner):
    server = ScriptedPartner(Reply(200, b"x" * (MAX_RESPONSE_BYTES + 1)))
    with server, partner_session(partner, max_response_bytes=2 * MAX_RESPONSE_BYTES) as session:
        assert len(session.get(f"{server.url}/attachment").content) == MAX_RESPONSE_BYTES + 1


def test_a_call_without_a_timeout_gets_the_partners(partner):
    server = ScriptedPartner(Reply(200, b"late", delay=1.5))
    with server, partner_session(partner) as session, pytest.raises(requests.Timeout):
        session.get(f"{server.url}/x")


def test_the_environment_cannot_send_calls_through_a_proxy(partner, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    server = ScriptedPartner(Reply(200, b"direct"))
    with server, partner_session(partner) as session:
        assert session.get(f"{server.url}/x").content == b"direct"


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "PUT", "DELETE"])
def test_send_carries_every_method_with_its_query_and_headers(partner, method):
    request = OutboundRequest(
        message_type="troubleTicket",
        method=method,
        path="/tmf-api/troubleTicket/v5/troubleTicket/TT-1",
        query={"fields": "id,status", "tag": ["a", "b"]},
        headers={"X-Correlation-Id": "abc", "Accept": "application/json"},
        body="" if method in ("GET", "DELETE") else '{"status": "resolved"}',
        content_type="" if method in ("GET", "DELETE") else "application/json",
    )
    with ScriptedPartner(Reply(200, b"{}")) as server:
        Partner.objects.filter(pk=partner.pk).update(base_url=f"{server.url}/base/")
        partner.refresh_from_db()
        result = send(partner, request)

    assert result.outcome == Outcome.DELIVERED
    (received,) = server.received
    assert received.method == method
    assert received.path == (
        "/base/tmf-api/troubleTicket/v5/troubleTicket/TT-1?fields=id%2Cstatus&tag=a&tag=b"
    )
    assert received.headers["X-Correlation-Id"] == "abc"
    assert received.headers["Accept"] == "application/json"
    assert received.body == request.body.encode()
    assert received.headers.get("Content-Type") == (request.content_type or None)


def test_an_unknown_method_is_refused_when_the_request_is_built():
    with pytest.raises(ValueError, match="TRACE"):
        OutboundRequest(message_type="x", method="TRACE")


# --- mutual TLS: the session presents our client certificate and trusts only the CA bundle ---


def mutual_tls(server: ScriptedPartner, pki: DemoPki) -> ScriptedPartner:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.server.cert_path, pki.server.key_path)
    context.load_verify_locations(pki.ca_cert_path)
    context.verify_mode = ssl.CERT_REQUIRED
    server.server.socket = context.wrap_socket(server.server.socket, server_side=True)
    server.url = server.url.replace("http://", "https://")
    return server


def test_zeep_speaks_mutual_tls_with_the_partners_certificates(partner, pki, tmp_path):
    Partner.objects.filter(pk=partner.pk).update(
        client_cert_path=str(pki.buyer_client.cert_path),
        client_key_path=str(pki.buyer_client.key_path),
        ca_bundle_path=str(pki.ca_cert_path),
    )
    partner.refresh_from_db()
    server = mutual_tls(ScriptedPartner(Reply(200, pong("secure"), headers=SOAP_XML)), pki)
    with server:
        assert echo_service(partner, tmp_path, server.url).Ping(text="ping") == "secure"


def test_without_our_certificate_or_the_partners_ca_there_is_no_call(partner, pki):
    server = mutual_tls(ScriptedPartner(Reply(200, b"secure")), pki)
    with server:
        Partner.objects.filter(pk=partner.pk).update(
            base_url=server.url, ca_bundle_path=str(pki.ca_cert_path)
        )
        partner.refresh_from_db()
        no_certificate = send(partner, OutboundRequest(message_type="x", method="GET"))

        Partner.objects.filter(pk=partner.pk).update(
            client_cert_path=str(pki.buyer_client.cert_path),
            client_key_path=str(pki.buyer_client.key_path),
            ca_bundle_path="",
        )
        partner.refresh_from_db()
        unknown_ca = send(partner, OutboundRequest(message_type="x", method="GET"))

    assert (no_certificate.outcome, no_certificate.status_code) == (Outcome.RETRY, None)
    assert (unknown_ca.outcome, unknown_ca.status_code) == (Outcome.RETRY, None)
    assert "CERTIFICATE_VERIFY_FAILED" in unknown_ca.error
    assert server.received == []


def test_a_content_length_that_is_no_ascii_number_is_read_through_the_cap(partner):
    """A partner's "Content-Length: ²" passes `str.isdigit` but is no number: the answer is read
    and capped like one that declares nothing, not an exception out of `send`."""
    reply = Reply(200, b"taken", headers={"Content-Length": "\u00b2"}, declare_length=False)
    with ScriptedPartner(reply) as server:
        partner.base_url = server.url
        result = send(partner, OutboundRequest(message_type="ping", path="x"))

    assert (result.outcome, result.status_code, result.body) == (Outcome.DELIVERED, 200, b"taken")
