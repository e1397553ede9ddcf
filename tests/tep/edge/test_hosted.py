"""Our hosted TEP services (hosted receive mode) through the Django test client: a ticket message
stored once by its SystemTransactionID and answered with our reference, updates found by our
reference or the partner's, attachments kept and served back, refusals as the seed's faults."""

import base64
from datetime import UTC, datetime, timedelta

from integrations.choices import InboundStatus
from integrations.models import InboundMessage
from integrations.tep import received, schema, sizes
from integrations.tep.namespaces import TYPES_NS
from integrations.xml import parse_xml
from tests.tep.edge.conftest import (
    ATTACHMENT_URL,
    TICKET_URL,
    action,
    answer_of,
    assert_fault,
    envelope,
    new_stid,
    post,
    post_ticket_body,
    stored,
)

T = f"{{{TYPES_NS}}}"


def test_a_new_ticket_is_stored_once_and_answered_with_the_reference_its_fault_will_have(
    client, pki, tep_partner
):
    stid = new_stid().upper()
    sent = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    response = post(client, TICKET_URL, post_ticket_body(stid=stid, at=sent), pki=pki)

    answer = answer_of(response)
    reference = answer.findtext(f".//{T}TicketReference")
    assert reference == received.promised_reference(tep_partner, stid)
    (message,) = stored(tep_partner)
    assert (message.message_type, message.message_id) == ("Ticket.New", stid.lower())
    assert message.fault is None and message.sent_at == sent
    assert message.status == InboundStatus.RECEIVED
    assert message.client_cert_fingerprint == pki.supplier_client.fingerprint
    # Stored as the Ticket element alone, whatever wrapped it: valid on its own.
    ticket = parse_xml(bytes(message.body))
    assert ticket.tag == f"{T}Ticket"
    assert schema.schema_errors(ticket) == []


def test_the_same_message_again_is_a_duplicate_whatever_its_bytes(client, pki, tep_partner):
    stid = new_stid()
    first = post(client, TICKET_URL, post_ticket_body(stid=stid), pki=pki)
    # TEP delivers it again with another RequestDateTime: the same message.
    later = datetime(2026, 11, 28, 9, 5, tzinfo=UTC)
    again = post(client, TICKET_URL, post_ticket_body(stid=stid, at=later), pki=pki)

    assert answer_of(first).findtext(f".//{T}TicketReference") == answer_of(again).findtext(
        f".//{T}TicketReference"
    )
    (message,) = stored(tep_partner)
    assert message.duplicates_received == 1


def test_an_update_is_stored_for_the_fault_our_reference_names(client, pki, tep_partner, our_fault):
    body = post_ticket_body(
        message_type="Update", receiver_reference=our_fault.buyer_fault_reference
    )
    response = post(client, TICKET_URL, body, pki=pki, action=action("PostTicket"))

    assert answer_of(response).findtext(f".//{T}TicketReference") == (
        our_fault.buyer_fault_reference
    )
    (message,) = stored(tep_partner)
    assert (message.message_type, message.fault) == ("Ticket.Update", our_fault)


def test_an_update_without_our_reference_is_found_by_the_partners(
    client, pki, tep_partner, our_fault
):
    type(our_fault).objects.filter(pk=our_fault.pk).update(maintainer_fault_reference="INC-9")
    response = post(
        client,
        TICKET_URL,
        post_ticket_body(message_type="Update", sender_reference="INC-9"),
        pki=pki,
    )

    assert answer_of(response).findtext(f".//{T}TicketReference") == (
        our_fault.buyer_fault_reference
    )
    assert [m.fault for m in stored(tep_partner)] == [our_fault]


def test_an_update_for_a_ticket_we_do_not_have_is_ticket_not_found(client, pki, tep_partner):
    body = post_ticket_body(message_type="Update", receiver_reference="NOC-000000-UNKNOWN")
    response = post(client, TICKET_URL, body, pki=pki)

    assert_fault(response, fault_type="ServiceValidationFault", code=3100, status=400)
    assert stored(tep_partner) == []


def test_an_update_for_a_ticket_still_being_opened_is_unavailable_not_purged(
    client, pki, tep_partner
):
    stid = new_stid()
    post(client, TICKET_URL, post_ticket_body(stid=stid, sender_reference="INC-5"), pki=pki)
    ours = received.promised_reference(tep_partner, stid)

    by_ours = post_ticket_body(message_type="Update", receiver_reference=ours)
    by_theirs = post_ticket_body(message_type="Update", sender_reference="INC-5")
    for body in (by_ours, by_theirs):
        response = post(client, TICKET_URL, body, pki=pki)
        assert_fault(response, fault_type="ServiceUnavailableFault", code=1000, status=503)
    assert len(stored(tep_partner)) == 1


def _attachment(filename: str, payload: bytes, stid: str) -> str:
    encoded = base64.b64encode(payload).decode()
    return (
        f"<p:Attachment><t:Filename>{filename}</t:Filename><t:Payload>{encoded}</t:Payload>"
        f"<t:SystemTransactionID>{stid}</t:SystemTransactionID></p:Attachment>"
    )


def test_an_attachment_is_kept_and_served_back_by_the_uri_we_answered(client, pki, tep_partner):
    stid = new_stid()
    payload = b"2026-11-28 09:00 link down\n" * 10
    response = post(
        client,
        ATTACHMENT_URL,
        envelope("PostAttachment", _attachment("trace.log", payload, stid)),
        pki=pki,
        action=action("PostAttachment"),
    )
    uri = answer_of(response).findtext(f".//{T}Uri")
    assert uri == f"urn:uuid:{stid}"
    (message,) = stored(tep_partner)
    # Nothing to apply until a ticket names it.
    assert (message.message_type, message.status) == ("Attachment", InboundStatus.APPLIED)

    asked = envelope(
        "GetAttachment",
        f"<p:AttachmentUri><t:Filename>trace.log</t:Filename><t:Uri>{uri}</t:Uri></p:AttachmentUri>",
    )
    answer = answer_of(post(client, ATTACHMENT_URL, asked, pki=pki))
    assert base64.b64decode(answer.findtext(f".//{T}Payload")) == payload
    assert answer.findtext(f".//{T}Filename") == "trace.log"


def test_an_unknown_attachment_uri_is_a_validation_fault(client, pki, tep_partner):
    asked = envelope(
        "GetAttachment",
        "<p:AttachmentUri><t:Filename>a.txt</t:Filename><t:Uri>urn:uuid:nothing</t:Uri>"
        "</p:AttachmentUri>",
    )
    assert_fault(
        post(client, ATTACHMENT_URL, asked, pki=pki),
        fault_type="ServiceValidationFault",
        code=3000,
    )


def test_a_tep_partner_takes_attachments_up_to_our_limit_by_default(client, pki, tep_partner):
    assert tep_partner.max_inbound_bytes == sizes.default_max_inbound_bytes()
    assert tep_partner.max_inbound_bytes > 256 * 1024
    payload = b"%PDF-1.4\n" + b"0" * (sizes.largest_attachment() - 9)
    body = envelope("PostAttachment", _attachment("big.pdf", payload, new_stid()))
    assert len(body) <= tep_partner.max_inbound_bytes

    response = post(client, ATTACHMENT_URL, body, pki=pki)

    assert answer_of(response).findtext(f".//{T}Uri")


def test_an_admins_own_limit_is_kept(pki, db):
    from tests.tep.edge.conftest import make_tep_partner

    partner = make_tep_partner(pki, slug="tep-small", max_inbound_bytes=100_000)
    assert partner.max_inbound_bytes == 100_000


def test_a_caller_without_the_pinned_certificate_is_an_authorization_failure(
    client, pki, other_pki, tep_partner
):
    for cert in (other_pki.supplier_client.proxy_header, None):
        response = post(client, TICKET_URL, post_ticket_body(), cert=cert)
        assert_fault(response, fault_type="ServiceConfigurationFault", code=2100, status=403)
    assert stored(tep_partner) == []


def test_an_unknown_partner_is_a_configuration_fault(client, pki, tep_partner):
    url = TICKET_URL.replace("tep-partner", "nobody")
    response = post(client, url, post_ticket_body(), pki=pki)
    assert_fault(response, fault_type="ServiceConfigurationFault", code=2000, status=404)


def test_a_partner_of_another_protocol_is_not_found_here(client, pki, tep_partner):
    from tests.factories import PartnerFactory

    PartnerFactory(slug="cf-partner", protocol="cityfibre")
    url = TICKET_URL.replace("tep-partner", "cf-partner")
    response = post(client, url, post_ticket_body(), pki=pki)
    assert_fault(response, fault_type="ServiceConfigurationFault", code=2000, status=404)


def test_messages_keep_the_order_the_partner_sent_them_in(client, pki, tep_partner, our_fault):
    """Reordered on the way: the inbox keeps each message's RequestDateTime, which is the order
    a fault's messages are applied in (`integrations.inbox.inbox_apply`)."""
    early = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    ref = our_fault.buyer_fault_reference
    for at in (early + timedelta(minutes=5), early):
        body = post_ticket_body(message_type="Update", receiver_reference=ref, at=at)
        assert post(client, TICKET_URL, body, pki=pki).status_code == 200
    sent = list(
        InboundMessage.objects.filter(fault=our_fault)
        .order_by("sent_at")
        .values_list("id", flat=True)
    )
    # The later-sent message arrived first, yet the earlier-sent one comes first.
    assert sent == sorted(sent, reverse=True)
