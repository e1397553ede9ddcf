"""Our outbound TMF621 requests against the supplier simulator (`simulate_tmf621`, in process, on
loopback): it checks the token, validates what it receives against v4 and the seed's field table,
and lives each ticket through its scenario. Every request the outbox sends for a fault's life is
taken; a scenario that refuses the raise rejects the fault with the simulator's reason; one that
is unavailable for a while gets everything later in order; the hub registration is kept."""

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from faults.choices import FaultStatus
from faults.services import (
    Actor,
    fault_accept_resolution,
    fault_amend,
    fault_apply_supplier_status,
    fault_attachment_add,
    fault_comment_add,
    fault_reject_resolution,
    fault_submit,
)
from integrations.choices import OutboundStatus
from integrations.http import OutboundRequest, Outcome, send
from integrations.models import OutboundMessage
from integrations.outbox import outbox_deliver
from integrations.tmf621.calls import read_json
from integrations.tmf621.hub import hub_register, hub_stop
from integrations.tmf621.simulator import Tmf621Simulator
from tests.factories import FaultFactory
from tests.tmf621.conftest import (
    BUYER_CODE,
    CLIENT_ID,
    CLIENT_SECRET,
    LISTENER_TOKEN,
    point_at,
)
from tests.tmf621.supplier_stub import free_port

pytestmark = pytest.mark.django_db
AGENT = Actor.system("test-agent")
SUPPLIER = Actor.partner("tmf-event")
WAIT = 10.0  # how long the simulator may take to move a ticket (a timeout, not an assertion)


@pytest.fixture
def simulator(tmf_partner) -> Iterator[Tmf621Simulator]:
    with Tmf621Simulator(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        listener_token=LISTENER_TOKEN,
        port=free_port(),
        step_delay=0.05,
        unavailable_count=2,
    ) as simulator:
        point_at(tmf_partner, simulator)
        yield simulator


def fault_for(partner, service_id: str):
    return FaultFactory(
        supplier=partner,
        buyer_identifier=partner.buyer_identifiers.get(code=BUYER_CODE),
        service_id=service_id,
    )


def deliver_all(fault, *, due: bool = False) -> list[str | None]:
    """One attempt for each message of the fault not yet delivered, in the order written."""
    statuses = []
    for message in OutboundMessage.objects.filter(fault=fault).order_by("id"):
        if message.status != OutboundStatus.DELIVERED:
            if due:
                OutboundMessage.objects.filter(pk=message.pk).update(
                    next_attempt_at=message.created_at
                )
            statuses.append(outbox_deliver(outbound_id=message.pk))
    return statuses


def ticket(partner, ticket_id: str) -> dict[str, Any]:
    """The ticket as the simulator has it, read through our own client."""
    request = OutboundRequest(
        message_type="retrieveTroubleTicket", method="GET", path=f"troubleTicket/{ticket_id}"
    )
    result = send(partner, request)
    assert result.outcome == Outcome.DELIVERED, result
    return read_json(result.body)


def wait_for(read: Callable[[], dict[str, Any]], status: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT
    while (current := read())["status"] != status:
        assert time.monotonic() < deadline, f"stayed {current['status']}, waited for {status}"
        time.sleep(0.02)
    return current


def test_a_faults_whole_life_is_taken_by_the_simulator(tmf_partner, simulator):
    fault = fault_for(tmf_partner, "SVC-LIFE-1")
    fault_submit(fault_id=fault.pk, actor=AGENT)
    assert deliver_all(fault) == [OutboundStatus.DELIVERED]
    fault.refresh_from_db()
    ticket_id = fault.maintainer_fault_reference
    assert ticket_id.startswith("TT-")
    assert fault.status == FaultStatus.ACCEPTED

    fault_comment_add(fault_id=fault.pk, actor=AGENT, text="Customer is in from 2pm.")
    fault_amend(
        fault_id=fault.pk,
        actor=AGENT,
        changes={"description": "Down hard now.", "reporter_email": "noc@example.net"},
    )
    fault_attachment_add(
        fault_id=fault.pk,
        actor=AGENT,
        upload=SimpleUploadedFile("ont.log", b"08:15 LOS\n", content_type="text/plain"),
    )
    assert deliver_all(fault) == [OutboundStatus.DELIVERED] * 3

    read = lambda: ticket(tmf_partner, ticket_id)  # noqa: E731
    wait_for(read, "resolved")
    fault_apply_supplier_status(fault_id=fault.pk, status="in-progress", actor=SUPPLIER)
    fault_apply_supplier_status(fault_id=fault.pk, status="resolved", actor=SUPPLIER)
    fault_reject_resolution(fault_id=fault.pk, actor=AGENT, reason="Still dropping.")
    assert deliver_all(fault) == [OutboundStatus.DELIVERED]
    wait_for(read, "resolved")  # reopened, worked again, resolved again
    fault_apply_supplier_status(fault_id=fault.pk, status="resolved", actor=SUPPLIER)
    fault_accept_resolution(fault_id=fault.pk, actor=AGENT)
    assert deliver_all(fault) == [OutboundStatus.DELIVERED]

    final = read()
    assert final["status"] == "closed"
    assert final["description"] == "Down hard now."
    notes = [note["text"] for note in final["note"]]
    assert "Customer is in from 2pm." in notes and "Still dropping." in notes
    assert [item["name"] for item in final["attachment"]] == ["ont.log"]


def test_a_raise_the_simulator_refuses_rejects_the_fault_with_its_reason(tmf_partner, simulator):
    fault = fault_for(tmf_partner, "SIM-REJECT-1")
    fault_submit(fault_id=fault.pk, actor=AGENT)

    assert deliver_all(fault) == [OutboundStatus.REFUSED]

    fault.refresh_from_db()
    assert fault.status == FaultStatus.REJECTED
    assert fault.status_reason  # the simulator's words, shown to the agent
    message = OutboundMessage.objects.get(fault=fault)
    assert message.last_error == fault.status_reason


def test_a_supplier_unavailable_for_a_while_gets_everything_later_in_order(tmf_partner, simulator):
    fault = fault_for(tmf_partner, "SIM-503-1")
    fault_submit(fault_id=fault.pk, actor=AGENT)
    fault_comment_add(fault_id=fault.pk, actor=AGENT, text="first")
    fault_comment_add(fault_id=fault.pk, actor=AGENT, text="second")

    assert deliver_all(fault) == [OutboundStatus.PENDING, None, None]
    assert deliver_all(fault, due=True) == [OutboundStatus.PENDING, None, None]
    assert deliver_all(fault, due=True) == [OutboundStatus.DELIVERED] * 3

    fault.refresh_from_db()
    notes = [note["text"] for note in ticket(tmf_partner, fault.maintainer_fault_reference)["note"]]
    assert notes.index("first") < notes.index("second")


def test_the_hub_registration_is_kept_and_stopped(tmf_partner, simulator):
    connection = tmf_partner.tmf621

    subscription = hub_register(connection=connection)

    (hub,) = simulator.state()["hubs"]
    assert hub["id"] == subscription
    assert hub["callback"] == connection.callback_url
    assert hub_stop(connection=connection) is True
    assert simulator.state()["hubs"] == []
    connection.refresh_from_db()
    assert connection.hub_id == ""
