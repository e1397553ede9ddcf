"""A fault's whole life with a partner reached through TEP, over real sockets with a real worker:
raised through our API and posted by the outbox (PostTicket New), the receipt for it, the
partner's updates (accepted, in progress, resolved with a report attached), our answer
(reject: re-opened and resolved again; accept: closed on both sides); and a ticket the partner
opens with us, in the agent's queue. Once with TEP polled by beat (GetTicket, GetReceipt), once
with TEP posting to our hosted endpoints."""

import pytest
import requests
from django.test import Client
from playwright.sync_api import expect

from faults.choices import PartnerOperation
from faults.models import Fault
from integrations.choices import OutboundStatus
from integrations.models import OutboundMessage
from integrations.tep.models import ReceiveMode, TepTransaction
from integrations.tep.simulator import TepSimulator
from tests.e2e.conftest import screenshot
from tests.e2e.fault_life import all_settled, anomalies, reaches, statuses
from tests.e2e.processes import wait_for
from tests.tep.e2e.conftest import SLUG, raise_fault

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

MODES = [ReceiveMode.POLLING, ReceiveMode.HOSTED]
WAIT = 90  # seconds: in polling mode a message waits for the next poll


def held_ticket(simulator: TepSimulator, reference: str) -> dict:
    """The simulator's record of the ticket it holds for our fault `reference`."""
    for ticket in simulator.state()["tickets"].values():
        if ticket["our_reference"] == reference:
            return ticket
    raise AssertionError(f"the simulator holds no ticket for {reference}")


def refused_polls(simulator: TepSimulator) -> list[dict]:
    """GetTicket/GetReceipt calls the simulator refused as too early (the unavailable family)."""
    return [
        call
        for call in simulator.state()["calls"]
        if call.get("operation") in ("GetTicket", "GetReceipt") and call.get("fault_code")
    ]


def answer(api: requests.Session, reference: str, action: str, **body: str) -> dict:
    response = api.post(f"{api.base_url}/faults/{reference}/{action}/", json=body, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("mode", MODES)
def test_raise_receipt_updates_reject_resolved_again_accept_closed(
    start_tep, tep_worker, api, mode
):
    simulator = start_tep(mode=mode)
    reference = raise_fault(api, "SVC-TEP-0001", partner=SLUG)

    fault = reaches(reference, "resolved", timeout=WAIT)
    held = held_ticket(simulator, reference)
    assert fault.maintainer_fault_reference == held["supplier_reference"]
    # TEP's receipt for our New, matched to the message we sent by its TrackingReference.
    wait_for(
        lambda: TepTransaction.objects.filter(
            outbound__fault=fault, kind="ticket", receipts__0__Status="DeliverySuceeded"
        ).exists(),
        timeout=WAIT,
        what="TEP's receipt for the New ticket",
    )
    # The resolution's report, fetched (polling) or posted to us (hosted), checked and kept.
    assert fault.attachments.filter(filename="resolution-report.txt").exists()

    assert answer(api, reference, "reject-resolution", reason="Still no light")["status"] == (
        "re-opened"
    )
    wait_for(
        lambda: statuses(reference).count("resolved") == 2,
        timeout=WAIT,
        what="the partner to resolve it again",
    )
    assert answer(api, reference, "accept-resolution")["status"] == "closed"
    wait_for(
        lambda: held_ticket(simulator, reference)["status"] == "closed",
        timeout=WAIT,
        what="the partner to close its ticket",
    )
    wait_for(all_settled, timeout=WAIT, what="every message delivered and applied")

    assert statuses(reference) == [
        "pending",
        "accepted",
        "in-progress",
        "resolved",
        "re-opened",
        "in-progress",
        "resolved",
        "closed",
    ]
    assert anomalies(reference) == []
    sent = OutboundMessage.objects.filter(fault__buyer_fault_reference=reference).order_by("id")
    assert list(sent.values_list("operation", "status")) == [
        (PartnerOperation.RAISE, OutboundStatus.DELIVERED),
        (PartnerOperation.RESOLUTION_ANSWER, OutboundStatus.DELIVERED),
        (PartnerOperation.RESOLUTION_ANSWER, OutboundStatus.DELIVERED),
    ]
    # A fresh SystemTransactionID for each message, each with TEP's InteractionID.
    tickets = TepTransaction.objects.filter(outbound__fault__buyer_fault_reference=reference)
    assert tickets.values("system_transaction_id").distinct().count() == 3
    assert not tickets.filter(interaction_id__isnull=True).exists()
    # Polled only in polling mode, and never more often than the simulator allows.
    polled = {call.get("operation") for call in simulator.state()["calls"]}
    assert ("GetTicket" in polled) == (mode == ReceiveMode.POLLING)
    assert refused_polls(simulator) == []


@pytest.mark.parametrize("mode", MODES)
def test_a_ticket_the_partner_opens_is_in_the_agents_queue(start_tep, tep_worker, agent_user, mode):
    simulator = start_tep(mode=mode)
    opened = simulator.open_incident(
        summary="Duct damage at Cabinet 7; several services down",
        service="SVC-TEP-0777",
        severity="1-Critical",
    )

    wait_for(
        lambda: Fault.objects.filter(maintainer_fault_reference=opened["key"]).exists(),
        timeout=WAIT,
        what="the partner's ticket to open a fault",
    )
    fault = Fault.objects.get(maintainer_fault_reference=opened["key"])
    assert fault.opened_by_supplier
    assert (fault.service_id, fault.priority, fault.status) == ("SVC-TEP-0777", 1, "open")
    # TEP was answered with our reference: the partner's ticket now names our fault.
    wait_for(
        lambda: (
            simulator.state()["tickets"][opened["key"]]["our_reference"]
            == fault.buyer_fault_reference
        ),
        timeout=WAIT,
        what="the partner to know our reference",
    )

    agent = Client()
    agent.force_login(agent_user)
    queue = agent.get("/queue/").content.decode()
    section = queue.split("Opened by a supplier", 1)[1]
    assert fault.buyer_fault_reference in section
    assert "Duct damage at Cabinet 7" in queue
    assert refused_polls(simulator) == []


@pytest.mark.browser
def test_the_agent_sees_the_partners_ticket_in_the_browser(
    start_tep, tep_worker, agent_user, browser_as
):
    simulator = start_tep(mode=ReceiveMode.HOSTED)
    opened = simulator.open_incident(
        summary="Power failure at the Eastbridge exchange", service="SVC-TEP-0900"
    )
    wait_for(
        lambda: Fault.objects.filter(maintainer_fault_reference=opened["key"]).exists(),
        timeout=WAIT,
        what="the partner's ticket to open a fault",
    )
    reference = Fault.objects.get(maintainer_fault_reference=opened["key"]).buyer_fault_reference

    page = browser_as(agent_user)
    page.goto("/queue/")
    section = page.locator("#queue-supplier-opened")
    expect(section.get_by_role("heading")).to_contain_text("Opened by a supplier")
    row = section.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Power failure at the Eastbridge exchange")
    expect(row).to_contain_text(opened["key"])
    screenshot(page, "queue-opened-by-a-supplier")

    row.get_by_role("link", name=reference).click()
    page.wait_for_url(f"**/faults/{reference}/")
    expect(page.locator("#fault-opened-by")).to_have_text("Opened by E2E partner via TEP")
    expect(page.locator("#fault-status")).to_have_text("Open")
    screenshot(page, "fault-detail-opened-by-a-supplier")
