"""Receipts matched to what we sent (by our TrackingReference, or TEP's InteractionID), a file
TEP refuses in front of the agent while its ticket goes on, the reconciliation sweep leaving
TEP partners alone (TEP cannot read a ticket back), and the partner's setup in the admin."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from faults.choices import EventKind
from faults.services import fault_comment_add, fault_submit
from integrations.choices import OutboundStatus
from integrations.models import OutboundMessage, Partner
from integrations.reconcile import faults_request_reconciliation, protocols_that_can_be_asked
from integrations.tep.admin import TepConnectionForm
from integrations.tep.messages import Receipt, ReceiptStatus
from integrations.tep.models import TepTransaction
from integrations.tep.receipts import record_receipt
from integrations.undelivered import describe_undelivered, undelivered_outbound_messages
from tests.factories import PartnerFactory
from tests.helpers import bring_to
from tests.tep.outbound.conftest import AGENT, attach, deliver, due
from tests.tep.outbound.stub import accepted, soap_fault, text, ticket_of

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
AT = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


@pytest.fixture
def sent(tep, tep_partner, fault) -> OutboundMessage:
    fault_submit(fault_id=fault.pk, actor=AGENT)
    (message,) = due(tep_partner)
    tep.then(accepted(4242))
    return deliver(message)


def receipt(status: ReceiptStatus, **matched) -> Receipt:
    return Receipt(status=status, date_time=AT, status_message="", **matched)


def test_receipts_are_kept_on_the_message_they_are_about(sent, tep_partner):
    delayed = receipt(ReceiptStatus.DELIVERY_DELAYED, tracking_reference=sent.message_id)
    delivered = receipt(ReceiptStatus.DELIVERY_SUCCEEDED, interaction_id=4242)

    assert record_receipt(tep_partner, delayed) is True
    assert record_receipt(tep_partner, delivered) is True
    assert record_receipt(tep_partner, delivered) is True  # the same again: kept once

    kept = TepTransaction.objects.get(outbound=sent)
    assert [r["Status"] for r in kept.receipts] == ["DeliveryDelayed", "DeliverySuceeded"]
    assert kept.last_receipt_status == "DeliverySuceeded"


def test_a_receipt_matching_nothing_of_ours_is_not_kept(sent, tep_partner):
    other = PartnerFactory(slug="other-tep", protocol="tep")
    tracked = receipt(ReceiptStatus.DELIVERY_SUCCEEDED, tracking_reference=sent.message_id)
    assert record_receipt(other, tracked) is False  # not its message
    unknown = receipt(ReceiptStatus.DELIVERY_SUCCEEDED, tracking_reference="not-ours")
    assert record_receipt(tep_partner, unknown) is False
    assert record_receipt(tep_partner, receipt(ReceiptStatus.DELIVERY_SUCCEEDED)) is False
    assert TepTransaction.objects.get(outbound=sent).receipts == []


def test_a_receipt_saying_the_partner_never_got_it_is_put_before_the_agent(sent, tep_partner):
    failed = Receipt(
        status=ReceiptStatus.DELIVERY_FAILED,
        date_time=AT,
        status_message="Partner IMS rejected the ticket",
        tracking_reference=sent.message_id,
    )
    assert record_receipt(tep_partner, failed) is True
    (entry,) = sent.fault.events.filter(kind=EventKind.ANOMALY, data__has_key="tep_receipt")
    assert "did not reach" in entry.message
    assert "Partner IMS rejected the ticket" in entry.message


def test_a_file_tep_refuses_is_shown_and_its_ticket_goes_without_it(tep, tep_partner, fault):
    attach(fault, "trace.txt")
    fault_submit(fault_id=fault.pk, actor=AGENT)
    posted, ticket_message = due(tep_partner)
    tep.then(soap_fault(3000, "Attachment too large for conversation type"), accepted(5))

    assert deliver(posted).status == OutboundStatus.REFUSED
    assert deliver(ticket_message).status == OutboundStatus.DELIVERED
    assert ticket_of(tep.received[1]).find(".//{*}Attachments") is None
    (row,) = undelivered_outbound_messages()
    shown = describe_undelivered(row)
    assert shown.what == "A file for the supplier"
    assert "Attachment too large" in shown.reason


def test_reconciliation_never_asks_a_tep_partner(tep_partner, fault, caplog):
    Partner.objects.filter(pk=tep_partner.pk).update(reconcile_after=timedelta(hours=6))
    bring_to(fault, "in-progress", start=timezone.now() - timedelta(hours=9))
    before = OutboundMessage.objects.count()
    assert "tep" not in protocols_that_can_be_asked()
    assert "cityfibre" in protocols_that_can_be_asked()
    with caplog.at_level(logging.INFO, logger="integrations.reconcile"):
        assert faults_request_reconciliation() == 0
    # Not even tried (a request TEP cannot carry would be refused, and tried again each sweep).
    assert caplog.records == []
    assert OutboundMessage.objects.count() == before


def test_a_sent_ticket_names_our_conversation_role_from_the_setup(tep, tep_partner, fault):
    tep_partner.tep_connection.conversation_role_id = 12
    tep_partner.tep_connection.save()
    fault_submit(fault_id=fault.pk, actor=AGENT)
    tep.then(accepted(1))
    deliver(due(tep_partner)[0])
    assert text(ticket_of(tep.received[0]), "Sender/ConversationRoleID") == "12"


def form(partner: Partner, **changes) -> TepConnectionForm:
    data = {
        "partner": partner.pk,
        "our_partner_id": 101,
        "their_partner_id": 202,
        "conversation_role_id": 7,
        "receive_mode": "polling",
        "profile": "{}",
        **changes,
    }
    return TepConnectionForm(data=data)


def test_the_admin_checks_the_profile_and_the_partner_ids(db):
    partner = PartnerFactory(slug="new-tep", protocol="tep")
    assert form(partner).is_valid()
    bad = form(partner, profile='{"status": {"Open": "flying"}}')
    assert not bad.is_valid()
    assert "'flying'" in " ".join(bad.errors["profile"])
    assert not form(partner, their_partner_id=101).is_valid()
    cityfibre = PartnerFactory(slug="cf", protocol="cityfibre")
    refused = form(cityfibre)
    assert not refused.is_valid()
    assert "does not use the TEP protocol" in " ".join(refused.errors["partner"])


def test_the_admin_pages_of_the_setup_and_the_transactions_open(admin_client, sent):
    for url in (
        reverse("admin:tep_tepconnection_changelist"),
        reverse("admin:tep_tepconnection_add"),
        reverse("admin:tep_tepconnection_change", args=[sent.partner.tep_connection.pk]),
        reverse("admin:tep_teptransaction_changelist"),
        reverse("admin:tep_teptransaction_change", args=[sent.tep_transaction.pk]),
    ):
        assert admin_client.get(url).status_code == 200, url


def test_the_agent_reads_a_refused_file_and_a_purged_ticket_on_the_pages(
    tep, tep_partner, fault, agent_client
):
    attach(fault, "trace.txt")
    fault_submit(fault_id=fault.pk, actor=AGENT)
    posted, ticket_message = due(tep_partner)
    tep.then(soap_fault(3000, "Attachment refused by conversation type"), accepted(5))
    deliver(posted)
    deliver(ticket_message)
    fault_comment_add(fault_id=fault.pk, actor=AGENT, text="Any news?")
    tep.then(soap_fault(3100, "Ticket not found"))
    deliver(due(tep_partner)[-1])

    queue = agent_client.get("/queue/").content.decode()
    assert "A file for the supplier" in queue
    assert "Attachment refused by conversation type" in queue
    page = agent_client.get(f"/faults/{fault.buyer_fault_reference}/").content.decode()
    assert "no longer has its ticket for this fault" in page
