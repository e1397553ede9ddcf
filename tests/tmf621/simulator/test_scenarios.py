"""Each scenario's life, as our listener hears it: the events in order, their v4 bodies (the
whole ticket or only its id), and what the buyer's PATCHes (a note, close, reopen, cancel) do."""

from typing import Any

import pytest

from integrations.tmf621.schema import EVENT_TYPES, validation_errors
from integrations.tmf621.simulator import Tmf621Simulator
from tests.tmf621.simulator.conftest import (
    BUYER,
    LISTENER_TOKEN,
    Buyer,
    Listener,
    SimulatorFactory,
    sent,
    tmf_error,
)

STATUS = "troubleTicketStatusChangeEvent"
CHANGE = "troubleTicketAttributeValueChangeEvent"
RESOLVED = "troubleTicketResolvedEvent"
INFO = "troubleTicketInformationRequiredEvent"
HAPPY = [(STATUS, "inProgress"), (CHANGE, "inProgress"), (RESOLVED, "resolved")]


def assert_v4_events(events: list[dict[str, Any]], listener: Listener) -> None:
    """Each event: at `<callback>/listener/<eventType>`, with our listener's token, valid v4."""
    for event in events:
        body = event["body"]
        assert body["eventType"] in EVENT_TYPES
        assert event["path"] == (f"/integrations/tmf621/demo/listener/{body['eventType']}"), event[
            "path"
        ]
        assert event["headers"]["Authorization"] == f"Bearer {LISTENER_TOKEN}"
        assert event["headers"]["Content-Type"].startswith("application/json")
        assert validation_errors(body["eventType"], body) == []
        assert body["eventTime"].endswith("Z")


def test_happy_ticket_is_worked_on_and_resolved(buyer: Buyer, listener: Listener) -> None:
    ticket = buyer.raised()

    events = listener.wait_for(ticket["id"], HAPPY)

    assert_v4_events(events, listener)
    assert len({event["body"]["eventId"] for event in events}) == 3
    whole = [event["body"]["event"]["troubleTicket"] for event in events]
    assert all(t["externalId"] == ticket["externalId"] for t in whole)
    assert all(BUYER in t["relatedParty"] for t in whole)
    assert events[1]["body"]["fieldPath"] == "note"
    assert whole[1]["note"][-1]["author"] == "Supplier service desk"
    assert "fieldPath" not in events[0]["body"]
    assert whole[2]["resolutionDate"] == whole[2]["statusChangeDate"]
    last_updates = [t["lastUpdate"] for t in whole]
    assert last_updates == sorted(last_updates) and len(set(last_updates)) == 3
    assert [c["status"] for c in whole[2]["statusChange"]] == [
        "acknowledged",
        "inProgress",
        "resolved",
    ]
    assert buyer.ticket(ticket["id"]) == whole[2]


def test_pending_waits_for_our_note_then_goes_on(
    sim: Tmf621Simulator, buyer: Buyer, listener: Listener
) -> None:
    ticket = buyer.raised(service="SIM-PENDING-S1")
    events = listener.wait_for(ticket["id"], [(STATUS, "inProgress"), (INFO, "pending")])
    asked = events[-1]["body"]
    assert asked["fieldPath"] == "note"
    assert asked["event"]["troubleTicket"]["statusChangeReason"] == (
        "Please confirm site access hours"
    )
    assert asked["event"]["troubleTicket"]["note"][-1]["text"] == (
        "Please confirm site access hours"
    )
    buyer.settle()  # every step due by now has run: the ticket still waits for us
    assert sent(sim, ticket["id"]) == [(STATUS, "inProgress"), (INFO, "pending")]
    assert buyer.ticket(ticket["id"])["status"] == "pending"
    assert sim.state()["tickets"][ticket["id"]]["waiting_for_buyer"] is True

    note = {"id": "noc-comment-41", "author": "Nora Agent", "text": "Access 08:00-18:00."}
    response = buyer.patch(ticket["id"], {"note": [note]})

    assert response.status_code == 200
    answered = response.json()
    assert answered["status"] == "inProgress"
    assert answered["note"][-1] | {"date": None} == note | {"date": None}
    events = listener.wait_for(
        ticket["id"],
        [(STATUS, "inProgress"), (INFO, "pending"), (STATUS, "inProgress"), (RESOLVED, "resolved")],
    )
    assert_v4_events(events, listener)
    assert events[2]["body"]["event"]["troubleTicket"]["statusChangeReason"] == (
        "Information received from the buyer."
    )


def test_held_is_the_suppliers_own_wait(buyer: Buyer, listener: Listener) -> None:
    ticket = buyer.raised(service="SIM-HELD-S2")

    events = listener.wait_for(
        ticket["id"],
        [(STATUS, "inProgress"), (STATUS, "held"), (STATUS, "inProgress"), (RESOLVED, "resolved")],
    )

    held = events[1]["body"]["event"]["troubleTicket"]
    assert held["statusChangeReason"] == "Awaiting a spare part from our warehouse."
    assert_v4_events(events, listener)


def test_reject_refuses_the_raise_at_once(
    sim: Tmf621Simulator, buyer: Buyer, listener: Listener
) -> None:
    response = buyer.raise_ticket(service="SIM-REJECT-S3")

    error = tmf_error(response, 400)
    assert error["reason"] == "Ticket rejected"
    assert "SIM-REJECT-S3" in error["message"]
    buyer.settle()
    assert [t["scenario"] for t in sim.state()["tickets"].values()] == ["happy"]  # the marker


def test_reject_async_acknowledges_then_rejects_with_a_reason(
    buyer: Buyer, listener: Listener
) -> None:
    ticket = buyer.raised(service="SIM-REJECT-ASYNC-S4")

    (event,) = listener.wait_for(ticket["id"], [(STATUS, "rejected")])

    assert ticket["status"] == "acknowledged"
    rejected = event["body"]["event"]["troubleTicket"]
    assert rejected["statusChangeReason"] == "The service is not one we provide to this buyer."


def test_silent_answers_and_progresses_but_sends_no_event(
    sim: Tmf621Simulator, buyer: Buyer, listener: Listener
) -> None:
    ticket = buyer.raised(service="SIM-SILENT-S5")

    assert buyer.wait_for_status(ticket["id"], "resolved")["statusChange"][-1]["status"] == (
        "resolved"
    )
    buyer.settle()
    assert sent(sim, ticket["id"]) == []
    assert listener.events(ticket["id"]) == []


def test_503_for_the_first_calls_then_taken_and_lived(
    sim: Tmf621Simulator, buyer: Buyer, listener: Listener
) -> None:
    sim.configure(unavailable_count=3)
    other = buyer.raised()  # another ticket is not affected

    refused = [buyer.raise_ticket(service="SIM-503-S6", external_id="NOC-503") for _ in range(3)]
    taken = buyer.raise_ticket(service="SIM-503-S6", external_id="NOC-503")

    for response in refused:
        tmf_error(response, 503, "serviceUnavailable")
        assert response.headers["Retry-After"] == "1"
    assert taken.status_code == 201
    assert [t["ticket"]["externalId"] for t in sim.state()["tickets"].values()] == [
        other["externalId"],
        "NOC-503",
    ]
    listener.wait_for(taken.json()["id"], HAPPY)
    assert buyer.get(taken.json()["id"]).status_code == 200


def test_503_counts_the_first_calls_for_the_ticket_whatever_they_are(
    start_simulator: SimulatorFactory, listener: Listener
) -> None:
    """A ticket raised before the 503s were switched on meets them on its next calls."""
    sim = start_simulator(callback=listener.callback, unavailable_count=0)
    buyer = Buyer(sim)
    ticket = buyer.raised(service="SIM-503-S7")
    sim.configure(unavailable_count=2)

    first, second, third = (buyer.get(ticket["id"]) for _ in range(3))

    tmf_error(first, 503, "serviceUnavailable")
    tmf_error(second, 503, "serviceUnavailable")
    assert third.status_code == 200


def test_id_only_events_carry_only_the_ticket_id(buyer: Buyer, listener: Listener) -> None:
    ticket = buyer.raised(service="SIM-IDONLY-S8")

    events = listener.wait_for(ticket["id"], [(STATUS, ""), (CHANGE, ""), (RESOLVED, "")])

    assert [event["body"]["event"] for event in events] == [{"id": ticket["id"]}] * 3
    assert_v4_events(events, listener)
    assert buyer.ticket(ticket["id"])["status"] == "resolved"


def test_the_default_scenario_applies_to_services_without_a_prefix(
    sim: Tmf621Simulator, buyer: Buyer, listener: Listener
) -> None:
    sim.configure(default_scenario="held")

    ticket = buyer.raised(service="S9")

    listener.wait_for(
        ticket["id"],
        [(STATUS, "inProgress"), (STATUS, "held"), (STATUS, "inProgress"), (RESOLVED, "resolved")],
    )


def test_submitted_first_when_the_supplier_answers_as_seed_002(
    sim: Tmf621Simulator, buyer: Buyer, listener: Listener
) -> None:
    sim.configure(create_status="submitted")

    ticket = buyer.raised()

    assert ticket["status"] == "submitted"
    listener.wait_for(ticket["id"], [(STATUS, "acknowledged"), *HAPPY])


# --- the buyer's answers -----------------------------------------------------------------------
def resolved_ticket(buyer: Buyer, listener: Listener) -> dict[str, Any]:
    ticket = buyer.raised()
    listener.wait_for(ticket["id"], HAPPY)
    return ticket


def test_close_closes_a_resolved_ticket_once(
    sim: Tmf621Simulator, buyer: Buyer, listener: Listener
) -> None:
    ticket = resolved_ticket(buyer, listener)

    response = buyer.patch(ticket["id"], {"status": "closed"})
    again = buyer.patch(ticket["id"], {"status": "closed"})

    assert response.status_code == again.status_code == 200
    assert response.json()["status"] == "closed"
    assert again.json() == response.json()  # a repeat is answered, not applied
    listener.wait_for(ticket["id"], [*HAPPY, (STATUS, "closed")])
    buyer.settle()
    assert sent(sim, ticket["id"]) == [*HAPPY, (STATUS, "closed")]


def test_reopen_reopens_then_works_on_it_and_resolves_again(
    buyer: Buyer, listener: Listener
) -> None:
    ticket = resolved_ticket(buyer, listener)
    note = {"id": "noc-resolution-77", "text": "Still dropping every hour."}

    response = buyer.patch(
        ticket["id"],
        {"status": "reopened", "statusChangeReason": note["text"], "note": [note]},
    )

    assert response.status_code == 200
    assert response.json()["status"] == "reopened"
    assert "resolutionDate" not in response.json()
    events = listener.wait_for(
        ticket["id"],
        [*HAPPY, (STATUS, "reopened"), (STATUS, "inProgress"), (RESOLVED, "resolved")],
    )
    reopened = events[3]["body"]["event"]["troubleTicket"]
    assert reopened["statusChangeReason"] == note["text"]
    assert [n["id"] for n in reopened["note"]].count("noc-resolution-77") == 1
    assert buyer.patch(ticket["id"], {"status": "closed"}).json()["status"] == "closed"


def test_reopen_without_a_note_keeps_the_reason_as_a_note(buyer: Buyer, listener: Listener) -> None:
    ticket = resolved_ticket(buyer, listener)

    response = buyer.patch(ticket["id"], {"status": "reopened", "statusChangeReason": "No."})

    assert response.json()["note"][-1]["author"] == "closureRejection"
    assert response.json()["note"][-1]["text"] == "No."


@pytest.mark.parametrize("service", ["S10", "SIM-PENDING-S11"])
def test_cancel_stops_the_tickets_life(
    sim: Tmf621Simulator, buyer: Buyer, listener: Listener, service: str
) -> None:
    ticket = buyer.raised(service=service)
    listener.wait_for(ticket["id"], [(STATUS, "inProgress")])

    response = buyer.patch(
        ticket["id"], {"status": "cancelled", "statusChangeReason": "Raised in error."}
    )

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    buyer.settle()  # every step the ticket had scheduled is due by now: none may run
    assert sent(sim, ticket["id"])[-1] == (STATUS, "cancelled")
    cancelled = listener.wait_for(ticket["id"], sent(sim, ticket["id"]))[-1]
    reason = cancelled["body"]["event"]["troubleTicket"]["statusChangeReason"]
    assert reason == "Raised in error."
    assert buyer.ticket(ticket["id"])["status"] == "cancelled"


def test_a_note_is_appended_with_its_id_kept_and_never_twice(
    sim: Tmf621Simulator, buyer: Buyer, listener: Listener
) -> None:
    sim.configure(step_delay=3600)  # no step of the supplier's between our notes
    ticket = buyer.raised()
    first = {"id": "noc-comment-1", "author": "Nora Agent", "text": "Customer rang again."}
    second = {"id": "noc-comment-2", "author": "Nora Agent", "text": "Now fully down."}

    buyer.patch(ticket["id"], {"note": [first]})
    buyer.patch(ticket["id"], {"note": [first]})  # our outbox's retry
    buyer.patch(ticket["id"], {"note": [first, second]})  # the full list, MEF 124 style
    unnamed = buyer.patch(ticket["id"], {"note": [{"text": "No id."}]}).json()

    notes = unnamed["note"]
    assert [n["id"] for n in notes[1:3]] == ["noc-comment-1", "noc-comment-2"]
    assert [n["text"] for n in notes] == [
        ticket["note"][0]["text"],
        first["text"],
        second["text"],
        "No id.",
    ]
    assert notes[3]["id"].startswith(ticket["id"]) and all(n["date"] for n in notes)
    assert sent(sim, ticket["id"]) == []  # the buyer's own changes are not notified


def test_an_amendment_replaces_fields_and_merges_contacts_by_id(
    sim: Tmf621Simulator, buyer: Buyer
) -> None:
    sim.configure(step_delay=3600)
    ticket = buyer.raised()
    reporter = dict(ticket["relatedParty"][1], name="Nora Agent-Smith")
    site = {"id": "siteContact-1", "role": "siteContact", "@referredType": "Individual"}

    response = buyer.patch(
        ticket["id"],
        {"description": "Now fully down.", "severity": "High", "relatedParty": [reporter, site]},
    )

    amended = response.json()
    assert (amended["description"], amended["severity"]) == ("Now fully down.", "High")
    assert amended["relatedParty"] == [BUYER, reporter, site]
    assert amended["lastUpdate"] > ticket["lastUpdate"]
    assert validation_errors("ticket", amended) == []


def test_resolved_without_an_answer_is_closed_automatically(
    sim: Tmf621Simulator, buyer: Buyer, listener: Listener
) -> None:
    sim.configure(auto_close_after=0.05)
    ticket = buyer.raised()

    events = listener.wait_for(ticket["id"], [*HAPPY, (STATUS, "closed")])

    assert (
        "closed automatically" in events[-1]["body"]["event"]["troubleTicket"]["statusChangeReason"]
    )
