"""The supplier behind the simulated TEP: a raised ticket's life (accepted → in progress →
resolved, Update messages with the supplier's status detail), our answers (accept → closed,
reject → re-opened and resolved again, cancel), the partner's own incident, and the control
API over HTTPS."""

import pytest
import requests

from integrations.tep.faults import TepFault
from tests.tep.simulator.conftest import (
    WAIT,
    advance,
    details_of,
    new_ticket,
    update_ticket,
)


def statuses(state: dict, reference: str) -> list[str]:
    """The Status details of the Updates sent about our ticket `reference`, in order."""
    return [
        next(d["Value"] for d in m["ticket"]["Details"] if d["Name"] == "Status")
        for m in state["messages"]
        if m["ticket"].get("Receiver", {}).get("TicketReference") == reference
    ]


def wait_statuses(sim, reference: str, expected: list[str]) -> dict:
    return sim.wait_for(lambda s: statuses(s, reference) == expected, timeout=WAIT)


def test_a_raised_ticket_is_accepted_worked_and_resolved(simulator, tep):
    tep.call("PostTicket", Ticket=new_ticket("F-1"))
    state = wait_statuses(simulator, "F-1", ["Accepted", "In Progress", "Resolved"])
    accepted, _progress, resolved = (m["ticket"] for m in state["messages"])
    supplier_reference = accepted["Sender"]["TicketReference"]
    assert accepted["MessageType"] == "Update"
    assert accepted["Sender"]["ID"] == state["config"]["supplier_partner_id"]
    assert {"Name": "PartnerReference", "Value": supplier_reference} in accepted["Details"]
    resolved_details = {d["Name"]: d["Value"] for d in resolved["Details"]}
    assert resolved_details["ResolutionCode"] == "FIXED"
    assert resolved_details["Resolution"]
    assert resolved["Notes"][0]["NoteId"] and "/" in resolved["Notes"][0]["CreatedDateTime"]
    (report,) = resolved["Attachments"]
    assert report["Filename"] == "resolution-report.txt"
    # Every message the simulator wrote satisfies the XSD, and the report can be fetched.
    got = tep.call("GetAttachment", AttachmentUri=report)
    assert got.payload.startswith(b"Resolved")
    assert state["tickets"][supplier_reference]["status"] == "resolved"


def test_accepting_the_resolution_closes_the_ticket(simulator, tep):
    tep.call("PostTicket", Ticket=new_ticket("F-2"))
    wait_statuses(simulator, "F-2", ["Accepted", "In Progress", "Resolved"])
    tep.call("PostTicket", Ticket=update_ticket("F-2", "Closed"))
    state = wait_statuses(simulator, "F-2", ["Accepted", "In Progress", "Resolved", "Closed"])
    assert next(iter(state["tickets"].values()))["status"] == "closed"


def test_rejecting_the_resolution_reopens_and_resolves_it_again(simulator, tep):
    tep.call("PostTicket", Ticket=new_ticket("F-3"))
    wait_statuses(simulator, "F-3", ["Accepted", "In Progress", "Resolved"])
    tep.call("PostTicket", Ticket=update_ticket("F-3", "Reopened"))
    wait_statuses(
        simulator,
        "F-3",
        ["Accepted", "In Progress", "Resolved", "Reopened", "In Progress", "Resolved"],
    )


def test_cancelling_cancels_the_walk(simulator, tep):
    simulator.configure(step_delay=0.3)
    tep.call("PostTicket", Ticket=new_ticket("F-4"))
    tep.call("PostTicket", Ticket=update_ticket("F-4", "Cancelled"))
    state = wait_statuses(simulator, "F-4", ["Cancelled"])
    simulator.configure(step_delay=0.01)
    assert next(iter(state["tickets"].values()))["status"] == "cancelled"
    # The earlier plan's timers lapse: nothing after the cancellation.
    with pytest.raises(TimeoutError):
        simulator.wait_for(lambda s: len(statuses(s, "F-4")) > 1, timeout=0.8)


def test_messages_wait_in_order_for_get_ticket(simulator, tep):
    tep.call("PostTicket", Ticket=new_ticket("F-5"))
    wait_statuses(simulator, "F-5", ["Accepted", "In Progress", "Resolved"])
    seen = []
    for _ in range(3):
        message = tep.call("GetTicket")
        seen.append(details_of(message.ticket)["Status"])
        tep.call(
            "ReportTicketResult",
            TicketMessageProcessingResult={
                "MessageID": message.message_id,
                "TicketReference": "F-5",
                "ProcessingStatus": "Success",
            },
        )
        advance(simulator, 60)
    assert seen == ["Accepted", "In Progress", "Resolved"]
    assert tep.call("GetTicket") is None


def test_reporting_not_found_takes_us_off_the_conversation(simulator, tep):
    simulator.configure(step_delay=0.2)
    tep.call("PostTicket", Ticket=new_ticket("F-6"))
    simulator.wait_for(lambda s: len(s["messages"]) >= 1, timeout=WAIT)
    message = tep.call("GetTicket")
    tep.call(
        "ReportTicketResult",
        TicketMessageProcessingResult={
            "MessageID": message.message_id,
            "TicketReference": "F-6",
            "ProcessingStatus": "NotFound",
        },
    )
    simulator.configure(step_delay=0.01)
    with pytest.raises(TimeoutError):
        simulator.wait_for(lambda s: len(s["messages"]) > 1, timeout=0.8)
    assert next(iter(simulator.state()["tickets"].values()))["status"] == "removed"


# --- the partner opens a ticket of its own ------------------------------------------------------
def _control(simulator, pki, method: str, path: str, **kwargs) -> requests.Response:
    with requests.Session() as session:
        session.trust_env = False
        session.cert = (str(pki.buyer_client.cert_path), str(pki.buyer_client.key_path))
        session.verify = str(pki.ca_cert_path)
        return session.request(method, simulator.url + path, timeout=5, **kwargs)


def test_an_incident_is_a_new_ticket_without_our_reference(simulator, tep, pki):
    answer = _control(
        simulator,
        pki,
        "POST",
        "/_sim/incident",
        json={"summary": "Duct damage at Leeds", "service": "SVC-9", "note": "Crews on site"},
    )
    assert answer.status_code == 201, answer.text
    key = answer.json()["key"]
    message = tep.call("GetTicket")
    ticket = message.ticket
    assert ticket.message_type == "New"
    assert ticket.sender.ticket_reference == key
    assert ticket.receiver.ticket_reference is None
    details = details_of(ticket)
    assert (details["Description"], details["ServiceId"]) == ("Duct damage at Leeds", "SVC-9")
    assert ticket.notes[0].content == "Crews on site"
    tep.call(
        "ReportTicketResult",
        TicketMessageProcessingResult={
            "MessageID": message.message_id,
            "TicketReference": "F-77",
            "ProcessingStatus": "Success",
        },
    )
    assert simulator.state()["tickets"][key]["our_reference"] == "F-77"
    # Our Update on it reaches the same conversation.
    tep.call("PostTicket", Ticket=update_ticket("F-77", "In Progress"))
    assert simulator.state()["tickets"][key]["history"][-1]["event"] == "update from us"


def test_the_incident_scenario_makes_the_partner_open_one_too(simulator, tep):
    tep.call("PostTicket", Ticket=new_ticket("F-8", service="SIM-INCIDENT-1"))
    state = simulator.wait_for(
        lambda s: any(t["opened_by"] == "partner" for t in s["tickets"].values()), timeout=WAIT
    )
    (incident,) = [m for m in state["messages"] if m["message_type"] == "New"]
    assert "Receiver" in incident["ticket"]
    assert "TicketReference" not in incident["ticket"]["Receiver"]


def test_incident_with_a_bad_field_is_refused(simulator, pki):
    answer = _control(simulator, pki, "POST", "/_sim/incident", json={"summary": 3})
    assert answer.status_code == 400


# --- the control API ----------------------------------------------------------------------------
def test_control_api_over_https(simulator, tep, pki):
    config = _control(
        simulator, pki, "POST", "/_sim/config", json={"clock": "2026-03-01T12:00:00Z"}
    )
    assert config.status_code == 200
    state = _control(simulator, pki, "GET", "/_sim/state").json()
    assert state["clock"] == {"now": "2026-03-01T12:00:00+00:00", "frozen": True}
    bad = _control(simulator, pki, "POST", "/_sim/config", json={"delivery_mode": "pigeon"})
    assert bad.status_code == 400
    tep.call("PostTicket", Ticket=new_ticket("F-9"))
    assert _control(simulator, pki, "POST", "/_sim/reset").status_code == 200
    state = _control(simulator, pki, "GET", "/_sim/state").json()
    assert state["tickets"] == {} and state["calls"] == [] and not state["clock"]["frozen"]


def test_the_walk_does_not_start_for_a_refused_ticket(simulator, tep):
    with pytest.raises(TepFault):
        tep.call("PostTicket", Ticket=new_ticket("F-10", service="SIM-CONFIG-1"))
    with pytest.raises(TimeoutError):
        simulator.wait_for(lambda s: s["messages"], timeout=0.3)


def test_our_answer_is_read_from_its_note_when_the_status_does_not_say_it(simulator, tep):
    tep.call("PostTicket", Ticket=new_ticket("F-11"))
    wait_statuses(simulator, "F-11", ["Accepted", "In Progress", "Resolved"])
    answer = update_ticket("F-11", "Resolved")
    answer["Notes"] = {"Note": [{"NoteId": "F-11/2", "Content": "Resolution rejected: no light"}]}
    tep.call("PostTicket", Ticket=answer)
    wait_statuses(
        simulator,
        "F-11",
        ["Accepted", "In Progress", "Resolved", "Reopened", "In Progress", "Resolved"],
    )
