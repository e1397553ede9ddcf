"""The outbound path against the TEP simulator (another part's, over HTTPS with mutual TLS): what
the outbox sends is what the simulator, checking our XSD on its side, takes; its answers and
faults are read as the stub's are; the receipts it gives, fetched with the zeep client, match
the messages we sent."""

from collections.abc import Iterator

import pytest

from devtools.pki import DemoPki
from faults.services import fault_submit
from integrations.choices import OutboundStatus
from integrations.models import Partner
from integrations.tep import client
from integrations.tep.models import TepTransaction
from integrations.tep.receipts import record_receipt
from integrations.tep.simulator import TepSimulator
from tests.factories import BuyerIdentifierFactory, FaultFactory, tep_simulator_partner
from tests.tep.outbound.conftest import AGENT, attach, deliver, due

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def simulator(pki: DemoPki) -> Iterator[TepSimulator]:
    sim = TepSimulator(tls=pki, step_delay=30, locked_count=1)
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def sim_partner(simulator: TepSimulator, pki: DemoPki) -> Partner:
    return tep_simulator_partner(simulator.url, pki, max_attempts=3)


def make_fault(partner: Partner, service_id: str):
    identifier = BuyerIdentifierFactory(partner=partner, code="TEPSIM", is_default=True)
    return FaultFactory(supplier=partner, buyer_identifier=identifier, service_id=service_id)


def test_a_raise_with_a_file_reaches_the_simulator_and_its_receipt_matches(sim_partner):
    fault = make_fault(sim_partner, "SVC-OUT-1")
    attach(fault, "trace.txt", b"light levels low\n")
    fault_submit(fault_id=fault.pk, actor=AGENT)
    for message in due(sim_partner):
        assert deliver(message).status == OutboundStatus.DELIVERED, message.last_error

    posted = TepTransaction.objects.get(kind="attachment")
    ticket = TepTransaction.objects.get(kind="ticket")
    assert posted.uri
    assert ticket.interaction_id is not None

    receipts = client.call(sim_partner, "ticket", "GetReceipt", Count=20)
    ours = [r for r in receipts if r.tracking_reference == ticket.tracking_reference]
    assert ours
    for receipt in ours:
        assert record_receipt(sim_partner, receipt) is True
    ticket.refresh_from_db()
    assert ticket.last_receipt_status == "DeliverySuceeded"


def test_a_locked_ticket_is_retried_with_its_own_transaction_id(sim_partner, simulator):
    fault = make_fault(sim_partner, "SIM-LOCKED-1")
    fault_submit(fault_id=fault.pk, actor=AGENT)
    (message,) = due(sim_partner)

    first = deliver(message)
    assert first.status == OutboundStatus.PENDING
    assert "1100" in first.last_error
    assert deliver(message, later=True).status == OutboundStatus.DELIVERED
    posts = [c for c in simulator.state()["calls"] if c.get("operation") == "PostTicket"]
    assert len(posts) == 2


def test_a_validation_fault_rejects_the_raise(sim_partner):
    fault = make_fault(sim_partner, "SIM-VALIDATION-1")
    fault_submit(fault_id=fault.pk, actor=AGENT)
    (message,) = due(sim_partner)
    assert deliver(message).status == OutboundStatus.REFUSED
    fault.refresh_from_db()
    assert fault.status == "rejected"
    assert "3000" in fault.status_reason
