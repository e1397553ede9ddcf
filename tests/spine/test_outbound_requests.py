"""Outbound requests: the outbox stores the request an adapter built and sends exactly it on every
attempt, to any partner; the adapter may classify an answer before the spine's default (a SOAP
fault whose code says "do not retry" is final); order is kept per (partner, fault), so a partner
whose messages are stuck holds up nobody else's."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from lxml import etree

from faults.choices import EventKind
from faults.models import Fault
from faults.services import Actor, fault_amend, fault_comment_add, fault_submit
from integrations.adapters import OutboundRequest, Outcome, get_adapter
from integrations.choices import OutboundStatus
from integrations.models import OutboundMessage, Partner
from integrations.outbox import (
    new_message_id,
    outbox_deliver,
    outbox_enqueue,
    outbox_sweep,
)
from tests.factories import FaultFactory, PartnerFactory
from tests.scripted_partner import Reply, ScriptedPartner
from tests.spine.soap_package.adapter import (
    PROTOCOL,
    SOAP_NS,
    TicketExchangeAdapter,
    soap_fault,
)

pytestmark = pytest.mark.django_db
AGENT = Actor.system("test")
CREATED = b"<receivedFaultReport><status>pending</status></receivedFaultReport>"


@pytest.fixture
def exchange(settings) -> TicketExchangeAdapter:
    """The test SOAP protocol's adapter, enabled like any package (through the setting alone)
    and found by the outbox for its partners."""
    settings.INTEGRATION_PACKAGES = [*settings.INTEGRATION_PACKAGES, "tests.spine.soap_package"]
    adapter = get_adapter(PROTOCOL)
    adapter.refused.clear()  # one instance per process: start each test with none
    return adapter


@pytest.fixture
def hub(db) -> Partner:
    """A partner that is not the fault's supplier (e.g. a subscriber's hub)."""
    return PartnerFactory(
        slug="exchange",
        name="Ticket Exchange",
        protocol=PROTOCOL,
        max_attempts=3,
        retry_base_seconds=30,
        connect_timeout=0.5,
        read_timeout=0.5,
    )


@pytest.fixture
def fault(partner, buyer_identifier, sla_policy) -> Fault:
    Partner.objects.filter(pk=partner.pk).update(
        max_attempts=3, retry_base_seconds=30, read_timeout=0.5, connect_timeout=0.5
    )
    return FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)


def point(partner: Partner, server: ScriptedPartner) -> None:
    Partner.objects.filter(pk=partner.pk).update(base_url=f"{server.url}/api/")


def deliver(message: OutboundMessage) -> OutboundMessage:
    outbox_deliver(outbound_id=message.pk)
    message.refresh_from_db()
    return message


def due_again(message: OutboundMessage) -> None:
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())


def post_ticket(partner: Partner, *, fault: Fault | None = None, text: str = "hello"):
    request = OutboundRequest(
        message_type="PostTicket",
        method="POST",
        path="TicketService",
        headers={"SOAPAction": '"PostTicket"'},
        body=f'<soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Body>{text}</soap:Body></soap:Envelope>',
        content_type="text/xml; charset=utf-8",
    )
    return outbox_enqueue(
        partner=partner,
        fault=fault,
        operation="ticket_posted",
        payload={"text": text},
        request=request,
        at=timezone.now(),
    )


# --- what is sent ---------------------------------------------------------------------------


def test_a_retry_sends_exactly_the_request_that_was_built(hub, exchange):
    request = OutboundRequest(
        message_type="patchTroubleTicket",
        method="PATCH",
        path="/troubleTicket/TT-7",
        query={"fields": "status"},
        headers={"Accept": "application/json", "X-Request-Id": "42"},
        body='{"status": "resolved"}',
        content_type="application/merge-patch+json",
    )
    message_id = new_message_id()
    message = outbox_enqueue(
        partner=hub,
        operation="status_changed",
        payload={"to": "resolved"},
        request=request,
        at=timezone.now(),
        message_id=message_id,
    )
    assert (message.message_id, message.request) == (message_id, request)

    with ScriptedPartner(Reply(503)) as server:
        point(hub, server)
        server.then(Reply(503), Reply(204))
        assert deliver(message).status == OutboundStatus.PENDING
        due_again(message)
        assert deliver(message).status == OutboundStatus.DELIVERED

    first, second = server.received
    for sent in (first, second):
        assert sent.method == "PATCH"
        assert sent.path == "/api/troubleTicket/TT-7?fields=status"
        assert sent.body == b'{"status": "resolved"}'
        assert sent.headers["Accept"] == "application/json"
        assert sent.headers["X-Request-Id"] == "42"
        assert sent.headers["Content-Type"] == "application/merge-patch+json"
    assert first.headers == second.headers


def test_a_retried_raise_is_the_message_that_was_built_not_the_fault_as_it_is_now(fault):
    fault_submit(fault_id=fault.pk, actor=AGENT)
    message = OutboundMessage.objects.get(fault=fault)
    with ScriptedPartner(Reply(503)) as server:
        point(fault.supplier, server)
        server.then(Reply(503), Reply(201, CREATED))
        deliver(message)
        Fault.objects.filter(pk=fault.pk).update(description="Changed after the raise was built")
        due_again(message)
        assert deliver(message).status == OutboundStatus.DELIVERED

    assert server.received[0].body == server.received[1].body == message.body.encode()
    assert b"Changed after" not in server.received[1].body


def test_a_message_to_a_partner_that_is_not_the_supplier_leaves_the_timeline_alone(
    fault, hub, exchange
):
    before = fault.events.count()
    message = post_ticket(hub, fault=fault)
    assert message.fault_id == fault.pk
    assert fault.events.count() == before
    assert not fault.events.filter(kind=EventKind.PARTNER_CALL).exists()


def test_no_message_when_the_change_rolls_back(hub, exchange):
    with pytest.raises(RuntimeError), transaction.atomic():
        post_ticket(hub)
        raise RuntimeError("the change failed")
    assert not OutboundMessage.objects.exists()


# --- what an answer means -------------------------------------------------------------------


def test_a_soap_fault_that_says_do_not_retry_is_final(hub, exchange):
    message = post_ticket(hub)
    with ScriptedPartner(Reply(500, soap_fault(2004, "Ticket closed"))) as server:
        point(hub, server)
        message = deliver(message)
        assert (message.status, message.attempts) == (OutboundStatus.REFUSED, 1)
        assert message.last_error == "SOAP fault 2004"
        assert exchange.refused == [message.message_id]

        due_again(message)
        outbox_sweep()
        assert outbox_deliver(outbound_id=message.pk) is None
    assert len(server.received) == 1


def test_a_soap_fault_that_says_try_again_is_retried(hub, exchange):
    message = post_ticket(hub)
    with ScriptedPartner(Reply(500, soap_fault(1003, "Busy"))) as server:
        point(hub, server)
        message = deliver(message)
    assert (message.status, message.attempts) == (OutboundStatus.PENDING, 1)
    assert message.next_attempt_at > timezone.now() + timedelta(seconds=10)
    assert exchange.refused == []


def test_an_adapter_can_say_the_credentials_were_refused(hub, exchange, monkeypatch):
    monkeypatch.setattr(exchange, "classify", lambda message, result: Outcome.CREDENTIALS_REFUSED)
    message = post_ticket(hub)
    with ScriptedPartner(Reply(500, soap_fault(3001, "Unknown client"))) as server:
        point(hub, server)
        message = deliver(message)
    hub.refresh_from_db()
    assert (message.status, message.attempts) == (OutboundStatus.PENDING, 0)
    assert hub.credentials_broken_at is not None
    assert message.last_error == "the partner refused our credentials (HTTP 500)"


def test_an_oversized_answer_is_not_taken_as_an_answer(hub, exchange):
    message = post_ticket(hub)
    with ScriptedPartner(Reply(200, b"x" * (2 * 1024 * 1024))) as server:
        point(hub, server)
        message = deliver(message)
    assert (message.status, message.response_body) == (OutboundStatus.PENDING, "")
    assert "larger than" in message.last_error


# --- order per (partner, fault) -------------------------------------------------------------


def test_a_stuck_supplier_message_holds_the_suppliers_line_but_not_another_partners(
    fault, hub, exchange
):
    fault_submit(fault_id=fault.pk, actor=AGENT)
    fault_comment_add(fault_id=fault.pk, actor=AGENT, text="Engineer can call after 2pm")
    raise_, comment = OutboundMessage.objects.filter(fault=fault).order_by("id")
    to_hub = post_ticket(hub, fault=fault, text="first")
    then_to_hub = post_ticket(hub, fault=fault, text="second")

    with ScriptedPartner(Reply(503)) as supplier, ScriptedPartner(Reply(200)) as exchange_server:
        point(fault.supplier, supplier)
        point(hub, exchange_server)
        for _ in range(2):  # not dead yet: still in the supplier's line
            due_again(raise_)
            assert deliver(raise_).status == OutboundStatus.PENDING

        assert outbox_deliver(outbound_id=comment.pk) is None
        assert deliver(to_hub).status == OutboundStatus.DELIVERED
        assert deliver(then_to_hub).status == OutboundStatus.DELIVERED

        supplier.default = Reply(201, CREATED)
        due_again(raise_)
        assert deliver(raise_).status == OutboundStatus.DELIVERED
        assert deliver(comment).status == OutboundStatus.DELIVERED

    assert supplier.operations == ["addFaultReport"] * 3 + ["amendFaultReport"]
    assert [r.body.count(b"first") for r in exchange_server.received] == [1, 0]


def test_a_partner_held_for_its_credentials_holds_up_nobody_else(fault, hub, exchange):
    fault_submit(fault_id=fault.pk, actor=AGENT)
    fault_amend(fault_id=fault.pk, actor=AGENT, changes={"description": "Now no sync at all"})
    raise_, amend = OutboundMessage.objects.filter(fault=fault).order_by("id")
    Partner.objects.filter(pk=fault.supplier_id).update(credentials_broken_at=timezone.now())
    to_hub = post_ticket(hub, fault=fault)

    assert outbox_sweep() == 1  # only the hub's message: the supplier's wait for credentials
    with ScriptedPartner(Reply(200)) as exchange_server:
        point(hub, exchange_server)
        assert outbox_deliver(outbound_id=raise_.pk) is None
        assert outbox_deliver(outbound_id=amend.pk) is None
        assert deliver(to_hub).status == OutboundStatus.DELIVERED


def test_the_hubs_line_is_kept_in_order_too(fault, hub, exchange):
    first = post_ticket(hub, fault=fault, text="first")
    second = post_ticket(hub, fault=fault, text="second")
    unrelated = post_ticket(hub, text="no fault")
    with ScriptedPartner(Reply(503)) as server:
        point(hub, server)
        assert deliver(first).status == OutboundStatus.PENDING
        assert outbox_deliver(outbound_id=second.pk) is None
        server.default = Reply(200)
        assert deliver(unrelated).status == OutboundStatus.DELIVERED
        due_again(first)
        assert deliver(first).status == OutboundStatus.DELIVERED
        assert deliver(second).status == OutboundStatus.DELIVERED

    bodies = [etree.fromstring(r.body)[0].text for r in server.received]
    assert bodies == ["first", "no fault", "first", "second"]


# --- rows written before requests were stored ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_message_written_before_the_migration_is_retried_as_it_was_sent(partner):
    before = ("integrations", "0005_partner_protocol_from_enabled_packages")
    after = ("integrations", "0006_outbound_request_stored")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps.get_model("integrations", "OutboundMessage")
    old.objects.create(
        partner_id=partner.pk,
        operation="comment",
        message_type="amendFaultReport",
        message_id=new_message_id(),
        body="<soap:Envelope/>",
        status=OutboundStatus.DEAD,
        next_attempt_at=timezone.now(),
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([after])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    message = OutboundMessage.objects.get()
    assert message.request == OutboundRequest(
        message_type="amendFaultReport",
        method="POST",
        path="amendFaultReport",
        headers={"SOAPAction": '"amendFaultReport"'},
        body="<soap:Envelope/>",
        content_type="text/xml; charset=utf-8",
    )
