"""Receipts, both receive modes: PostReceipt (SOAP, through zeep on a live server, and REST)
and GetReceipt (polling, at most 20 a call), each kept on the message of ours it is about."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests
from django.conf import settings as django_settings
from django.utils import timezone

from integrations.models import OutboundMessage, Partner
from integrations.security import proxy_headers
from integrations.tep import messages, polling
from integrations.tep.client import call_partner, partner_client
from integrations.tep.models import ReceiveMode, TepTransaction
from tests.tep.edge.conftest import REST_RECEIPT_URL, SLUG, bare, make_tep_partner, post
from tests.tep.edge.tep_stub import TepStub

T0 = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def sent_ticket(partner: Partner, tracking_reference: str = "TR-OURS-1") -> TepTransaction:
    """A ticket message we sent the partner through TEP."""
    outbound = OutboundMessage.objects.create(
        partner=partner,
        operation="raise",
        message_type="PostTicket",
        message_id=str(uuid.uuid4()),
        next_attempt_at=timezone.now(),
    )
    return TepTransaction.objects.create(
        outbound=outbound,
        kind="ticket",
        system_transaction_id=str(uuid.uuid4()),
        tracking_reference=tracking_reference,
        message_type="New",
    )


def receipt_xml(tracking_reference: str, status: str = "DeliverySuceeded", n: int = 0) -> str:
    return (
        f"<t:Receipt><t:DateTime>2026-11-28T10:00:{n:02d}Z</t:DateTime><t:Status>{status}"
        f"</t:Status><t:TrackingReference>{tracking_reference}</t:TrackingReference>"
        f"<t:InteractionID>{9000 + n}</t:InteractionID></t:Receipt>"
    )


@pytest.mark.django_db(transaction=True)
def test_post_receipt_through_zeep(live_server, pki, tep_partner, monkeypatch):
    from django.db import connections

    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    sent = sent_ticket(tep_partner)
    session = requests.Session()
    session.trust_env = False
    session.headers.update(
        proxy_headers(
            escaped_cert=pki.supplier_client.proxy_header,
            forwarded_for="127.0.0.1",
            secret=django_settings.PARTNER_PROXY_SECRET,
        )
    )
    service = partner_client(
        f"{live_server.url}/integrations/tep/{SLUG}/TicketService.svc", "ticket", session=session
    )
    receipt = messages.Receipt(
        status=messages.ReceiptStatus("DeliverySuceeded"),
        date_time=T0,
        tracking_reference="TR-OURS-1",
        interaction_id=77,
    )

    assert call_partner(service, "PostReceipt", Receipt=receipt) is None

    sent.refresh_from_db()
    assert [r["Status"] for r in sent.receipts] == ["DeliverySuceeded"]
    assert sent.interaction_id == 77


def test_a_receipt_by_rest_is_answered_with_a_status_only(client, pki, tep_partner):
    sent = sent_ticket(tep_partner)
    body = bare(receipt_xml("TR-OURS-1", "DeliveryDelayed"), "Receipt")

    response = post(client, REST_RECEIPT_URL, body, pki=pki, content_type="application/xml")

    assert (response.status_code, response.content) == (200, b"")
    sent.refresh_from_db()
    assert [r["Status"] for r in sent.receipts] == ["DeliveryDelayed"]


def test_a_receipt_about_no_message_of_ours_is_taken_all_the_same(client, pki, tep_partner):
    body = bare(receipt_xml("TR-SOMEONE-ELSES"), "Receipt")
    response = post(client, REST_RECEIPT_URL, body, pki=pki, content_type="application/xml")
    assert response.status_code == 200


@pytest.fixture
def tep() -> Iterator[TepStub]:
    with TepStub() as stub:
        yield stub


@pytest.mark.django_db(transaction=True)
def test_get_receipt_asks_for_twenty_at_most_once_a_minute(tep, pki):
    partner = make_tep_partner(pki, slug="tep-receipts", mode=ReceiveMode.POLLING, base_url=tep.url)
    sent = sent_ticket(partner)
    tep.receipts = [receipt_xml("TR-OURS-1", n=n) for n in range(25)]

    first = polling.poll_partner(partner.pk, now=lambda: T0)
    assert first.receipts == 20
    assert polling.poll_partner(partner.pk, now=lambda: T0 + timedelta(seconds=30)).receipts is None
    later = polling.poll_partner(partner.pk, now=lambda: T0 + polling.MIN_INTERVAL)
    assert later.receipts == 5

    counts = [int(payload[0].text) for operation, payload in tep.calls if operation == "GetReceipt"]
    assert counts == [20, 20]
    sent.refresh_from_db()
    assert len(sent.receipts) == 25
