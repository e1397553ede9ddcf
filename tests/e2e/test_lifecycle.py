"""A fault's whole life over real sockets: raised through the API, delivered by a real worker
over mutual TLS to the simulator, driven by the simulator's notifications to our webhook,
answered by the agent, closed."""

import pytest

from faults.choices import EventKind
from faults.models import Fault, FaultEvent
from integrations.models import OutboundMessage
from tests.e2e.conftest import raise_fault
from tests.e2e.fault_life import all_settled, reaches, status_of, statuses
from tests.e2e.processes import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_raise_hold_resolve_accept_close(simulator, start_worker, api):
    start_worker()
    reference = raise_fault(api, "SIM-HOLD-0001")

    reaches(reference, "resolved")
    assert statuses(reference) == [
        "pending",
        "accepted",
        "in-progress",
        "on-hold",
        "in-progress",
        "resolved",
    ]
    fault = Fault.objects.get(buyer_fault_reference=reference)
    assert fault.maintainer_fault_reference.startswith("CS")
    assert fault.sla_pauses.filter(ended_at__isnull=False).count() == 1

    answer = api.post(f"{api.base_url}/faults/{reference}/accept-resolution/", timeout=10)
    assert answer.status_code == 200, answer.text
    wait_for(
        lambda: simulator.state()["faults"][reference]["status"] == "closed",
        timeout=30,
        what="the simulator to close the fault",
    )
    wait_for(all_settled, timeout=30, what="every message delivered and applied")
    assert status_of(reference) == "closed"
    assert statuses(reference)[-1] == "closed"
    assert FaultEvent.objects.filter(fault=fault, kind=EventKind.ANOMALY).count() == 0


def test_reject_resolution_reopens_and_the_supplier_resolves_again(simulator, start_worker, api):
    start_worker()
    reference = raise_fault(api, "SIM-0002")
    reaches(reference, "resolved")

    answer = api.post(
        f"{api.base_url}/faults/{reference}/reject-resolution/",
        json={"reason": "Still no sync at the ONT"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "re-opened"

    wait_for(
        lambda: statuses(reference).count("resolved") == 2,
        timeout=30,
        what=f"a second resolution ({statuses(reference)})",
    )
    wait_for(all_settled, timeout=30, what="every message delivered and applied")
    assert statuses(reference) == [
        "pending",
        "accepted",
        "in-progress",
        "resolved",
        "re-opened",
        "in-progress",
        "resolved",
    ]
    received = [
        r["operation"]
        for r in simulator.state()["received"]
        if r.get("buyer_fault_reference") == reference
    ]
    assert received == ["addFaultReport", "resolveResponse"]


def test_resolved_without_an_answer_is_closed_by_the_48_hour_timer(simulator, start_worker, api):
    # 48 hours shrunk to 2 seconds for the worker that applies the resolution and runs the sweep.
    start_worker(FAULT_AUTO_CLOSE_HOURS=str(2 / 3600))
    reference = raise_fault(api, "SIM-0003")

    reaches(reference, "closed", timeout=40)
    fault = Fault.objects.get(buyer_fault_reference=reference)
    assert statuses(reference)[-2:] == ["resolved", "closed"]
    auto = FaultEvent.objects.get(fault=fault, kind=EventKind.AUTO_ACCEPTED)
    assert auto.actor_kind == "timer"
    assert not OutboundMessage.objects.filter(fault=fault, message_type="resolveResponse").exists()
