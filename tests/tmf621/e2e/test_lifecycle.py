"""A TMF621 fault's whole life over real sockets: raised through our API, delivered by a real
worker over HTTPS (with an access token) to the simulator, moved by the simulator's events to our
listener, answered by the agent, closed or re-opened."""

import pytest

from faults.choices import EventKind, PartnerOperation
from faults.models import Fault, FaultComment, FaultEvent
from integrations.choices import OutboundStatus
from integrations.models import OutboundMessage
from integrations.tmf621.mapping import PENDING_PREFIX
from tests.e2e.fault_life import all_settled, anomalies, reaches, statuses
from tests.e2e.processes import wait_for
from tests.tmf621.e2e.conftest import raise_tmf_fault

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

SUPPLIER_QUESTION = "Please confirm site access hours"
OUR_ANSWER = "Site access 08:00-18:00 weekdays; ask for the facilities manager."


def test_raise_information_required_answer_resolve_accept_close(tmf_simulator, start_worker, api):
    start_worker()
    reference = raise_tmf_fault(api, "SIM-PENDING-0001")

    # acknowledged → inProgress → pending: the supplier waits on us; the SLA is paused and the
    # agent is told what it needs.
    fault = reaches(reference, "on-hold")
    assert fault.maintainer_fault_reference.startswith("TT-")
    assert fault.status_reason.startswith(PENDING_PREFIX)
    assert SUPPLIER_QUESTION in fault.status_reason
    assert fault.sla_pauses.filter(ended_at__isnull=True).count() == 1
    queue = api.get(f"{api.base_url}/faults/{reference}/", timeout=10).json()
    assert queue["status"] == "on-hold"

    # We answer with a note; the supplier carries on.
    answer = api.post(
        f"{api.base_url}/faults/{reference}/comments/", json={"text": OUR_ANSWER}, timeout=10
    )
    assert answer.status_code == 201, answer.text
    reaches(reference, "resolved")
    notes = tmf_simulator.ticket(reference)["ticket"].get("note", [])
    ours = [note for note in notes if note.get("id", "").startswith("noc-comment-")]
    assert [note["text"] for note in ours] == [OUR_ANSWER]
    comment = FaultComment.objects.get(fault__buyer_fault_reference=reference, text=OUR_ANSWER)
    assert ours[0]["id"] == f"noc-comment-{comment.pk}"

    # We accept the resolution: the supplier closes the ticket.
    answer = api.post(f"{api.base_url}/faults/{reference}/accept-resolution/", timeout=10)
    assert answer.status_code == 200, answer.text
    wait_for(
        lambda: tmf_simulator.ticket(reference)["ticket"]["status"] == "closed",
        timeout=60,
        what="the simulator to close the ticket",
    )
    wait_for(all_settled, timeout=60, what="every message delivered and applied")

    fault = Fault.objects.get(buyer_fault_reference=reference)
    assert fault.status == "closed"
    assert statuses(reference) == [
        "pending",
        "accepted",
        "in-progress",
        "on-hold",
        "in-progress",
        "resolved",
        "closed",
    ]
    (pause,) = fault.sla_pauses.all()  # from pending until the supplier carried on
    assert pause.ended_at > pause.started_at
    assert anomalies(reference) == []
    # Our own note, echoed back in the supplier's ticket, is not taken for the supplier's.
    assert FaultComment.objects.filter(fault=fault, text=OUR_ANSWER).count() == 1
    assert not FaultEvent.objects.filter(
        fault=fault, kind=EventKind.COMMENT, actor_kind="partner", message=OUR_ANSWER
    ).exists()
    sent = OutboundMessage.objects.filter(fault=fault).order_by("id")
    assert list(sent.values_list("operation", "status")) == [
        (PartnerOperation.RAISE, OutboundStatus.DELIVERED),
        (PartnerOperation.COMMENT, OutboundStatus.DELIVERED),
        (PartnerOperation.RESOLUTION_ANSWER, OutboundStatus.DELIVERED),
    ]


def test_reject_resolution_reopens_and_the_supplier_resolves_again(
    tmf_simulator, start_worker, api
):
    start_worker()
    reference = raise_tmf_fault(api, "SIM-0002")
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
        timeout=60,
        what=f"a second resolution ({statuses(reference)})",
    )
    wait_for(all_settled, timeout=60, what="every message delivered and applied")
    assert statuses(reference) == [
        "pending",
        "accepted",
        "in-progress",
        "resolved",
        "re-opened",
        "in-progress",
        "resolved",
    ]
    history = [entry["status"] for entry in tmf_simulator.ticket(reference)["history"]]
    assert history.count("reopened") == 1
    assert history[-1] == "resolved"
    held = tmf_simulator.ticket(reference)["ticket"]
    assert "Still no sync at the ONT" in [note["text"] for note in held.get("note", [])]
    assert anomalies(reference) == []


def test_events_carrying_only_the_ticket_id_are_applied_from_the_fetched_ticket(
    tmf_simulator, start_worker, api
):
    start_worker()
    reference = raise_tmf_fault(api, "SIM-IDONLY-0003")

    fault = reaches(reference, "resolved")
    assert statuses(reference) == ["pending", "accepted", "in-progress", "resolved"]
    assert fault.maintainer_fault_reference == tmf_simulator.ticket(reference)["ticket"]["id"]
    sent = [event for event in tmf_simulator.state()["sent"] if event["id_only"]]
    assert sent and all(event["delivered"] for event in sent)
    assert anomalies(reference) == []
