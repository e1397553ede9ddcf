"""Issue 11: what the one inbound edge does for every protocol besides authenticating
(test_partner_auth.py): the content type the protocol declares (415 in its own shape), and inbox
rows whose fault is named by our reference, by the partner's, or by nothing yet (a ticket the
partner opened, stored with no fault). The supplier Ticketing API's webhook keeps its single
statement per message."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from devtools.pki import ensure_demo_pki
from faults.models import Fault
from integrations import partner_cache
from integrations.auth.hmac_signature import signed_headers
from integrations.auth.secrets import encrypt_secret, hash_secret
from integrations.choices import InboundAuth, InboundStatus
from integrations.cityfibre import soap
from integrations.cityfibre.parsers import parse_generic_response
from integrations.models import InboundMessage, Partner
from integrations.security import proxy_headers
from integrations.xml import parse_xml
from tests.factories import BuyerIdentifierFactory, FaultFactory, PartnerFactory
from tests.partner_posts import notification, pending_fault_of_pinned_supplier
from tests.spine.ticket_events import EVENTS_URL

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.edge_urls")]

SLUG = "ticket-partner"
URL = EVENTS_URL.format(slug=SLUG)
BUYER = "SPEDGE1"
TOKEN = "a-bearer-token-of-forty-characters-long!"


@pytest.fixture(autouse=True)
def through_the_proxy(settings):
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1/32"]
    # The ticket-events protocol is enabled like any package, so its partners can be active.
    settings.INTEGRATION_PACKAGES = [*settings.INTEGRATION_PACKAGES, "tests.spine.ticket_package"]


@pytest.fixture
def partner() -> Partner:
    partner = PartnerFactory(
        slug=SLUG,
        protocol="ticket-events",
        allowed_networks="127.0.0.1/32",
        inbound_auth=InboundAuth.BEARER,
        inbound_secret_hash=hash_secret(TOKEN, strategy=InboundAuth.BEARER),
    )
    BuyerIdentifierFactory(partner=partner, code=BUYER, is_default=True)
    return partner


@pytest.fixture
def accepted_fault(partner) -> Fault:
    """A fault the partner has accepted: it carries the partner's reference."""
    return FaultFactory(
        supplier=partner,
        buyer_identifier=partner.buyer_identifiers.get(code=BUYER),
        maintainer_fault_reference="TT-0042",
    )


def post(client, event: dict | bytes, *, content_type: str = "application/json"):
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    return client.post(
        URL,
        data=body,
        content_type=content_type,
        headers={"Authorization": f"Bearer {TOKEN}", "X-Forwarded-For": "127.0.0.1"},
        REMOTE_ADDR="127.0.0.1",
    )


def ticket_event(event_id: str = "EV-1", **names: str) -> dict:
    return {"id": event_id, "eventType": "TicketStateChangeEvent", "buyer": BUYER, **names}


# --- the content type the protocol declares ---------------------------------------------------
@pytest.mark.parametrize("content_type", ["text/xml", "application/x-www-form-urlencoded"])
def test_a_content_type_the_protocol_does_not_take_is_refused_in_its_shape(
    client, partner, content_type
):
    response = post(client, ticket_event(), content_type=content_type)

    assert response.status_code == 415
    assert response.json() == {
        "code": "415",
        "reason": f"Content type {content_type} is not accepted; send application/json.",
    }
    assert not InboundMessage.objects.exists()


def test_the_declared_type_is_accepted_with_parameters_and_in_any_case(client, partner):
    response = post(client, ticket_event(), content_type="Application/JSON; charset=utf-8")

    assert response.status_code == 201


def test_an_unauthenticated_caller_learns_nothing_about_content_types(client, partner):
    response = client.post(
        URL, data=b"<x/>", content_type="text/xml", headers={"X-Forwarded-For": "127.0.0.1"}
    )

    assert response.status_code == 401


@pytest.fixture
def supplier_post(client, settings, tmp_path):
    """`supplier_post(content_type)`: the supplier's notification for a pending fault, through
    the mutual-TLS site, with that Content-Type; returns (response, fault)."""
    pki = ensure_demo_pki(tmp_path / "pki")
    fault = pending_fault_of_pinned_supplier(pki, slug="pinned-supplier")
    headers = proxy_headers(
        escaped_cert=pki.supplier_client.proxy_header,
        forwarded_for="127.0.0.1",
        secret=settings.PARTNER_PROXY_SECRET,
    )

    def send(content_type: str, message_id: str = "CF-1"):
        response = client.post(
            "/integrations/cityfibre/pinned-supplier/notify/",
            data=notification(fault.buyer_fault_reference, message_id=message_id),
            content_type=content_type,
            headers=headers,
            REMOTE_ADDR="127.0.0.1",
        )
        return response, fault

    return send


@pytest.mark.parametrize(
    "content_type",
    ["text/xml; charset=utf-8", "application/xml", 'application/soap+xml; charset="utf-8"'],
)
def test_the_supplier_may_send_any_xml_type_it_uses(supplier_post, content_type):
    """SOAP 1.1's text/xml (the simulator's), SOAP 1.2's application/soap+xml, and the
    application/xml of the supplier's own document."""
    response, fault = supplier_post(content_type)

    assert response.status_code == 200
    assert InboundMessage.objects.get().fault == fault


def test_the_supplier_is_refused_json_in_its_own_answer(supplier_post):
    response, _ = supplier_post("application/json")

    assert response.status_code == 415
    answer = parse_generic_response(soap.unwrap(parse_xml(response.content)))
    assert answer.response_code == 415
    assert "application/json is not accepted" in answer.error_message
    assert not InboundMessage.objects.exists()


def test_the_suppliers_webhook_stores_a_message_in_one_statement(supplier_post, settings):
    """The hot path (`make bench` ingest): with the partner cached, authenticating, checking the
    content type and storing take the one INSERT … SELECT of the inbox, nothing more."""
    settings.PARTNER_CACHE_SECONDS = 60
    partner_cache._cache.clear()
    supplier_post("text/xml", message_id="CF-WARM")  # reads the partner into the cache

    with CaptureQueriesContext(connection) as queries:
        response, _ = supplier_post("text/xml", message_id="CF-HOT")

    partner_cache._cache.clear()
    assert response.status_code == 200
    assert len(queries) == 1, [query["sql"] for query in queries]
    assert queries[0]["sql"].lstrip().startswith("INSERT")


# --- inbox rows: our reference, the partner's, or none ----------------------------------------
def test_a_message_naming_our_reference_is_stored_against_that_fault(
    client, partner, accepted_fault
):
    response = post(client, ticket_event(ourRef=accepted_fault.buyer_fault_reference))

    assert response.status_code == 201
    assert InboundMessage.objects.get().fault == accepted_fault


def test_a_message_naming_the_partners_reference_is_stored_against_that_fault(
    client, partner, accepted_fault
):
    FaultFactory(supplier=partner, buyer_identifier=accepted_fault.buyer_identifier)  # another

    response = post(client, ticket_event(partnerRef="TT-0042"))

    assert response.status_code == 201
    stored = InboundMessage.objects.get()
    assert (stored.fault, stored.status) == (accepted_fault, InboundStatus.RECEIVED)


def test_the_partners_reference_of_another_partner_is_unknown(client, partner, accepted_fault):
    elsewhere = PartnerFactory(protocol="ticket-events")
    FaultFactory(supplier=elsewhere, maintainer_fault_reference="TT-0099")

    response = post(client, ticket_event(partnerRef="TT-0099"))

    assert response.status_code == 400
    assert response.json()["reason"] == "No such ticket."
    assert not InboundMessage.objects.exists()


def test_the_partners_reference_under_another_buyer_identifier_is_refused(
    client, partner, accepted_fault
):
    BuyerIdentifierFactory(partner=partner, code="SPEDGE2")
    event = {**ticket_event(partnerRef="TT-0042"), "buyer": "SPEDGE2"}

    response = post(client, event)

    assert response.status_code == 400
    assert response.json()["reason"] == (
        "No fault with that reference under that buyer identifier."
    )
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize("names", [{"partnerRef": ""}, {"ourRef": ""}], ids=["partner", "ours"])
def test_an_empty_reference_names_no_fault_and_is_refused(client, partner, names):
    response = post(client, ticket_event(**names))

    assert response.status_code == 400
    assert not InboundMessage.objects.exists()


def test_a_ticket_the_partner_opened_is_stored_with_no_fault(client, partner):
    response = post(client, ticket_event("EV-NEW"))

    assert response.status_code == 201
    stored = InboundMessage.objects.get()
    assert (stored.fault, stored.message_id, stored.status) == (
        None,
        "EV-NEW",
        InboundStatus.RECEIVED,
    )
    assert json.loads(bytes(stored.body))["id"] == "EV-NEW"


def test_a_ticket_the_partner_opened_sent_twice_is_stored_once(client, partner):
    first = post(client, ticket_event("EV-NEW"))
    again = post(client, ticket_event("EV-NEW"))

    assert (first.status_code, again.status_code) == (201, 201)
    assert InboundMessage.objects.get().duplicates_received == 1


def test_a_ticket_opened_under_a_buyer_identifier_not_ours_is_refused(client, partner):
    response = post(client, {**ticket_event("EV-NEW"), "buyer": "SOMEONE-ELSE"})

    assert response.status_code == 400
    assert response.json()["reason"] == "Unknown buyer identifier."
    assert not InboundMessage.objects.exists()


def test_a_partners_long_event_name_is_stored_shortened_not_an_error(client, partner):
    response = post(client, {**ticket_event("EV-LONG"), "eventType": "Ticket" + "Event" * 40})

    assert response.status_code == 201
    assert len(InboundMessage.objects.get().message_type) == 60


def test_an_unreadable_body_is_refused_in_the_protocols_shape(client, partner):
    response = post(client, b"{not json")

    assert response.status_code == 400
    assert response.json()["reason"].startswith("Not JSON")
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize(
    ("field", "named"),
    [
        ("id", "message id"),
        ("eventType", "message type"),
        ("partnerRef", "partner fault reference"),
    ],
)
def test_a_nul_character_in_what_identifies_a_message_is_refused_not_an_error(
    client, partner, field, named
):
    """Valid JSON, but no PostgreSQL text: refused in the protocol's shape on every database."""
    response = post(client, {**ticket_event("EV-NUL"), field: "EV\x00NUL"})

    assert response.status_code == 400
    assert response.json()["reason"] == f"The {named} contains a NUL character."
    assert not InboundMessage.objects.exists()


def test_a_body_whose_signature_fails_is_not_read_back_into_the_refusal(client, tmp_path):
    """The body is read to verify its HMAC signature; refused, it is nobody's message: the
    protocol's error answer echoes nothing from it (here, the supplier's messageId)."""
    fault = pending_fault_of_pinned_supplier(ensure_demo_pki(tmp_path / "pki"), slug="signer")
    Partner.objects.filter(pk=fault.supplier_id).update(
        inbound_auth=InboundAuth.HMAC, inbound_signing_key=encrypt_secret(TOKEN)
    )
    body = notification(fault.buyer_fault_reference, message_id="CF-FORGED")
    headers = signed_headers(b"not-the-partners-key-at-all-0123456789", body)

    response = client.post(
        "/integrations/cityfibre/signer/notify/",
        data=body,
        content_type="text/xml",
        headers={**headers, "X-Forwarded-For": "127.0.0.1"},
        REMOTE_ADDR="127.0.0.1",
    )

    assert response.status_code == 401
    answer = parse_generic_response(soap.unwrap(parse_xml(response.content)))
    assert answer.response_code == 401
    assert "signature does not match" in answer.error_message
    assert answer.message_id == ""
    assert not InboundMessage.objects.exists()


# --- a message that does not say which buyer identifier it is for -------------------------------
def without_buyer(event: dict) -> dict:
    return {name: value for name, value in event.items() if name != "buyer"}


@pytest.mark.parametrize("names", ["ourRef", "partnerRef"])
def test_a_message_naming_no_buyer_identifier_finds_its_fault_under_any_of_the_partners(
    client, partner, accepted_fault, names
):
    """MEF 124's events carry only a ticket id: the fault is looked up under every active buyer
    identifier of the partner, not only its default."""
    BuyerIdentifierFactory(partner=partner, code="SPEDGE2")
    fault = FaultFactory(
        supplier=partner,
        buyer_identifier=partner.buyer_identifiers.get(code="SPEDGE2"),
        maintainer_fault_reference="TT-0077",
    )
    reference = fault.buyer_fault_reference if names == "ourRef" else "TT-0077"

    response = post(client, without_buyer(ticket_event(**{names: reference})))

    assert response.status_code == 201, response.content
    assert InboundMessage.objects.get().fault == fault


@pytest.mark.parametrize("names", ["ourRef", "partnerRef"])
def test_a_message_naming_no_buyer_identifier_is_not_for_a_fault_under_an_inactive_one(
    client, partner, accepted_fault, names
):
    """An identifier the edge would refuse by name does not let the fault in unnamed."""
    partner.buyer_identifiers.filter(code=BUYER).update(is_active=False)
    BuyerIdentifierFactory(partner=partner, code="SPEDGE2", is_default=False)
    reference = accepted_fault.buyer_fault_reference if names == "ourRef" else "TT-0042"

    response = post(client, without_buyer(ticket_event(**{names: reference})))

    assert response.status_code == 400
    assert response.json()["reason"] == (
        "No fault with that reference under that buyer identifier."
    )
    assert not InboundMessage.objects.exists()


def test_a_message_naming_no_buyer_identifier_never_reaches_another_partners_fault(
    client, partner, accepted_fault
):
    elsewhere = PartnerFactory(protocol="ticket-events")
    other = FaultFactory(supplier=elsewhere, maintainer_fault_reference="TT-0099")

    by_theirs = post(client, without_buyer(ticket_event("EV-1", partnerRef="TT-0099")))
    by_ours = post(client, without_buyer(ticket_event("EV-2", ourRef=other.buyer_fault_reference)))

    assert (by_theirs.status_code, by_ours.status_code) == (400, 400)
    assert by_theirs.json()["reason"] == by_ours.json()["reason"] == "No such ticket."
    assert not InboundMessage.objects.exists()


def test_a_message_naming_our_reference_and_no_buyer_identifier_is_stored_in_one_statement(
    client, partner, accepted_fault, settings
):
    settings.PARTNER_CACHE_SECONDS = 60
    partner_cache._cache.clear()
    post(
        client, without_buyer(ticket_event("EV-WARM", ourRef=accepted_fault.buyer_fault_reference))
    )

    with CaptureQueriesContext(connection) as queries:
        response = post(
            client,
            without_buyer(ticket_event("EV-HOT", ourRef=accepted_fault.buyer_fault_reference)),
        )

    partner_cache._cache.clear()
    assert response.status_code == 201
    assert len(queries) == 1, [query["sql"] for query in queries]
    assert InboundMessage.objects.filter(fault=accepted_fault).count() == 2
