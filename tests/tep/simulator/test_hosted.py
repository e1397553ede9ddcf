"""Hosted delivery: the simulator calls OUR partner-hosted PostTicket, PostReceipt and
PostAttachment (SOAP, the partner WSDL) with the supplier's client certificate, over mutual TLS;
a recorder plays our endpoints and checks each request against the XSD."""

from collections.abc import Iterator

import pytest
from lxml import etree

from integrations.tep import messages, operations, soap
from integrations.tep.faults import TepFault
from integrations.tep.namespaces import PARTNER_SERVICE_NS, soap_action
from integrations.tep.schema import schema_errors
from tests.tep.simulator.conftest import WAIT, Recorder, new_ticket, update_ticket

PARTNER = operations.PARTNER_OPERATIONS


def our_answer(faults_first: dict[str, list[TepFault]] | None = None):
    """Our endpoints' answers: PostTicket → our reference `OURS-<n>`, PostReceipt → empty,
    PostAttachment → a URI of ours; `faults_first[operation]` answered first, one per call."""
    pending = {name: list(items) for name, items in (faults_first or {}).items()}

    def answer(operation: str, payload: etree._Element, number: int) -> tuple[int, bytes]:
        if pending.get(operation):
            return 500, soap.fault_envelope(pending[operation].pop(0))
        op = PARTNER[operation]
        if operation == "PostTicket":
            value = messages.PartnerPostTicketResponse(ticket_reference=f"OURS-{number}")
        elif operation == "PostAttachment":
            posted = operations.read_request(op, payload)
            value = messages.AttachmentUri(
                filename=posted.filename, uri=f"https://noc.example/attachments/{number}"
            )
        else:
            value = None
        return 200, soap.envelope(operations.response_element(op, value))

    return answer


@pytest.fixture
def recorder(pki) -> Iterator[Recorder]:
    recorder = Recorder(pki, answer=our_answer())
    try:
        yield recorder
    finally:
        recorder.close()


def hosted(simulator, recorder: Recorder) -> None:
    simulator.configure(
        delivery_mode="hosted",
        partner_ticket_url=f"{recorder.url}/integrations/tep/demo/TicketService.svc",
        partner_attachment_url=f"{recorder.url}/integrations/tep/demo/AttachmentService.svc",
    )


def test_tickets_receipts_and_attachments_are_posted_to_us(simulator, tep, recorder, pki):
    hosted(simulator, recorder)
    tep.call("PostTicket", Ticket=new_ticket("F-1", tracking="TRK-1"))
    simulator.wait_for(
        lambda s: (
            len([m for m in s["messages"] if m["done"]]) == 3
            and all(r["done"] for r in s["receipts"])
        ),
        timeout=WAIT,
    )
    with recorder.lock:
        requests_ = list(recorder.requests)
    assert sorted(r["operation"] for r in requests_) == sorted(
        ["PostReceipt", "PostTicket", "PostTicket", "PostAttachment", "PostTicket"]
    )
    for request in requests_:
        assert request["client"] == "Demo supplier"  # the supplier's client certificate
        assert request["proxy_cert"] == pki.supplier_client.proxy_header  # as nginx passes it
        assert (
            request["soap_action"] == f'"{soap_action(PARTNER_SERVICE_NS, request["operation"])}"'
        )
        assert schema_errors(etree.fromstring(request["payload"])) == []
    tickets = [
        operations.read_request(PARTNER["PostTicket"], etree.fromstring(r["payload"]))
        for r in requests_
        if r["operation"] == "PostTicket"
    ]
    assert [t.detail("Status") for t in tickets] == ["Accepted", "In Progress", "Resolved"]
    assert {t.receiver.ticket_reference for t in tickets} == {"F-1"}
    # The attachment went to our PostAttachment first; the ticket names our URI for it.
    operations_in_order = [r["operation"] for r in requests_]
    last_ticket = max(i for i, name in enumerate(operations_in_order) if name == "PostTicket")
    assert operations_in_order.index("PostAttachment") < last_ticket
    assert tickets[-1].attachments[0].uri.startswith("https://noc.example/attachments/")
    (receipt_request,) = [r for r in requests_ if r["operation"] == "PostReceipt"]
    receipt = operations.read_request(
        PARTNER["PostReceipt"], etree.fromstring(receipt_request["payload"])
    )
    assert (receipt.status, receipt.tracking_reference) == ("DeliverySuceeded", "TRK-1")
    # Nothing waits for GetTicket or GetReceipt in hosted mode.
    assert tep.call("GetTicket") is None
    assert tep.call("GetReceipt", Count=20) == []
    state = simulator.state()
    assert {m["outcome"] for m in state["messages"]} == {"delivered"}
    assert all(not m["schema_errors"] for m in state["messages"])


def test_an_unavailable_answer_is_retried_a_validation_fault_is_not(simulator, tep, pki):
    recorder = Recorder(
        pki,
        answer=our_answer(
            {
                "PostTicket": [TepFault(1100, "locked"), TepFault(1000, "busy")],
                "PostReceipt": [TepFault(3000, "we refuse it")],
            }
        ),
    )
    try:
        hosted(simulator, recorder)
        simulator.configure(step_delay=3600)
        open_incident = simulator.open_incident(summary="Cable cut")
        state = simulator.wait_for(
            lambda s: s["messages"] and s["messages"][0]["done"], timeout=WAIT
        )
        (message,) = state["messages"]
        assert [a["fault_code"] for a in message["attempts"]] == [1100, 1000, None]
        assert message["outcome"] == "delivered"
        # Our PartnerPostTicketResponse names our reference for the partner's New ticket.
        assert state["tickets"][open_incident["key"]]["our_reference"] == "OURS-3"
        # An Update of ours on it reaches the conversation; its receipt is refused for good.
        tep.call("PostTicket", Ticket=update_ticket("OURS-3", "In Progress"))
        state = simulator.wait_for(
            lambda s: s["receipts"] and s["receipts"][0]["done"], timeout=WAIT
        )
        (receipt,) = state["receipts"]
        assert [a["fault_code"] for a in receipt["attempts"]] == [3000]
        assert receipt["outcome"].startswith("refused: fault 3000")
    finally:
        recorder.close()


def test_ticket_not_found_from_us_ends_the_conversation(simulator, tep, pki):
    recorder = Recorder(pki, answer=our_answer({"PostTicket": [TepFault(3100, "purged")]}))
    try:
        hosted(simulator, recorder)
        simulator.configure(step_delay=0.2)
        tep.call("PostTicket", Ticket=new_ticket("F-2"))
        state = simulator.wait_for(
            lambda s: any(t["status"] == "removed" for t in s["tickets"].values()), timeout=WAIT
        )
        assert state["messages"][0]["outcome"].startswith("refused: fault 3100")
        simulator.configure(step_delay=0.01)
        with pytest.raises(TimeoutError):
            simulator.wait_for(lambda s: len(s["messages"]) > 1, timeout=0.8)
    finally:
        recorder.close()
