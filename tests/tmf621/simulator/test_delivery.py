"""Where events go and how they get there: the listener registered with POST /hub (or the
--callback until one is), DELETE /hub to stop, `query` to choose event types; retries while our
product is down or restarting, never reordering a ticket's events."""

import socket
from collections.abc import Iterator

import pytest

from integrations.tmf621.simulator import Tmf621Simulator
from tests.tmf621.simulator.conftest import (
    Buyer,
    Listener,
    SimulatorFactory,
    tmf_error,
)

STATUS = "troubleTicketStatusChangeEvent"
CHANGE = "troubleTicketAttributeValueChangeEvent"
RESOLVED = "troubleTicketResolvedEvent"
HAPPY = [(STATUS, "inProgress"), (CHANGE, "inProgress"), (RESOLVED, "resolved")]


@pytest.fixture
def unregistered(start_simulator: SimulatorFactory) -> Tmf621Simulator:
    """A simulator started without --callback: events go only where POST /hub says."""
    return start_simulator()


def test_events_go_to_the_listener_registered_with_post_hub(
    unregistered: Tmf621Simulator, listener: Listener
) -> None:
    buyer = Buyer(unregistered)

    response = buyer.send_json("POST", "hub", {"callback": listener.callback})

    assert response.status_code == 201
    hub = response.json()
    assert hub["callback"] == listener.callback and hub["id"]
    assert response.headers["Location"] == f"{unregistered.api_url}/hub/{hub['id']}"
    ticket = buyer.raised()
    listener.wait_for(ticket["id"], HAPPY)


def test_without_a_listener_events_are_recorded_but_not_sent(
    unregistered: Tmf621Simulator, listener: Listener
) -> None:
    buyer = Buyer(unregistered)
    ticket = buyer.raised()
    buyer.wait_for_status(ticket["id"], "resolved")

    records = [r for r in unregistered.state()["sent"] if r["ticket_id"] == ticket["id"]]

    assert [(r["event_type"], r["status"]) for r in records] == HAPPY
    assert {(r["url"], r["outcome"], r["delivered"]) for r in records} == {
        ("", "no listener registered", False)
    }
    assert listener.events() == []


def test_a_registration_repeated_is_the_same_subscription(
    unregistered: Tmf621Simulator, listener: Listener
) -> None:
    buyer = Buyer(unregistered)

    first = buyer.send_json("POST", "hub", {"callback": listener.callback}).json()
    again = buyer.send_json("POST", "hub", {"callback": listener.callback}).json()

    assert again == first
    assert unregistered.state()["hubs"] == [first]
    ticket = buyer.raised()
    listener.wait_for(ticket["id"], HAPPY)  # once each, not twice


@pytest.fixture
def fallback() -> Iterator[Listener]:
    """The listener the --callback names."""
    recorder = Listener()
    yield recorder
    recorder.stop()


def test_delete_hub_stops_the_events_and_the_callback_is_not_used_again(
    start_simulator: SimulatorFactory, listener: Listener, fallback: Listener
) -> None:
    sim = start_simulator(callback=fallback.callback)
    buyer = Buyer(sim)
    hub = buyer.send_json("POST", "hub", {"callback": listener.callback}).json()

    response = buyer.call("DELETE", f"hub/{hub['id']}")

    assert response.status_code == 204
    assert response.content == b""
    assert sim.state()["hubs"] == []
    ticket = buyer.raised()
    buyer.wait_for_status(ticket["id"], "resolved")
    outcomes = {r["outcome"] for r in sim.state()["sent"] if r["ticket_id"] == ticket["id"]}
    assert outcomes == {"no listener registered"}
    assert listener.events() == fallback.events() == []
    tmf_error(buyer.call("DELETE", f"hub/{hub['id']}"), 404, "notFound")


def test_the_callback_serves_until_a_listener_registers(
    start_simulator: SimulatorFactory, listener: Listener, fallback: Listener
) -> None:
    sim = start_simulator(callback=fallback.callback)
    buyer = Buyer(sim)
    before = buyer.raised()
    fallback.wait_for(before["id"], HAPPY)

    buyer.send_json("POST", "hub", {"callback": listener.callback})
    after = buyer.raised()

    listener.wait_for(after["id"], HAPPY)
    assert fallback.events(after["id"]) == []


def test_a_query_chooses_the_event_types(unregistered: Tmf621Simulator, listener: Listener) -> None:
    buyer = Buyer(unregistered)
    body = {
        "callback": listener.callback,
        "query": f"eventType={RESOLVED}&eventType={STATUS}",
    }

    response = buyer.send_json("POST", "hub", body)
    ticket = buyer.raised()
    buyer.wait_for_status(ticket["id"], "resolved")

    assert response.json()["query"] == body["query"]
    listener.wait_for(ticket["id"], [(STATUS, "inProgress"), (RESOLVED, "resolved")])
    change = [r for r in unregistered.state()["sent"] if r["event_type"] == CHANGE]
    assert [r["outcome"] for r in change] == ["no listener registered"]


@pytest.mark.parametrize(
    "body, message",
    [
        ({}, "callback"),
        ({"callback": 42}, "callback"),
        ({"callback": "not a url"}, "callback"),
        ({"callback": "ftp://127.0.0.1/x"}, "callback"),
        (
            {"callback": "http://127.0.0.1:9/x", "query": "eventType=troubleTicketCreateEvnt"},
            "query",
        ),
    ],
)
def test_an_invalid_registration_is_refused(
    unregistered: Tmf621Simulator, body: dict, message: str
) -> None:
    response = Buyer(unregistered).send_json("POST", "hub", body)

    assert message in tmf_error(response, 400, "invalidBody")["message"]
    assert unregistered.state()["hubs"] == []


def test_an_event_is_retried_until_our_listener_takes_it_and_order_is_kept(
    start_simulator: SimulatorFactory,
) -> None:
    """Our product answers 503 while it restarts: the first event is retried, and the ticket's
    later events wait behind it."""
    listener = Listener(answers=(503, 502, 503))
    try:
        sim = start_simulator(callback=listener.callback)
        ticket = Buyer(sim).raised()

        listener.wait_for(ticket["id"], HAPPY)

        with listener.lock:
            answered = [r["answered"] for r in listener.requests]
        assert answered == [503, 502, 503, 201, 201, 201]
        first = sim.state()["sent"][0]
        assert [a["http_status"] for a in first["attempts"]] == [503, 502, 503, 201]
        assert first["outcome"] == "delivered"
    finally:
        listener.stop()


def test_an_event_waits_while_nothing_listens_and_goes_once_it_does(
    start_simulator: SimulatorFactory,
) -> None:
    """No answer at all (our product down): the event is retried on the same address until a
    listener is there again."""
    with socket.socket() as held:  # the port is ours, but nothing accepts connections on it
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        sim = start_simulator(
            callback=f"http://127.0.0.1:{port}/integrations/tmf621/demo", step_delay=0.01
        )
        ticket = Buyer(sim).raised()
        sim.wait_for(lambda s: any(r["attempts"] for r in s["sent"]))
    listener = Listener(port=port)
    try:
        listener.wait_for(ticket["id"], HAPPY)

        first = sim.state()["sent"][0]
        assert first["attempts"][0]["http_status"] is None
        assert first["attempts"][-1]["http_status"] == 201
    finally:
        listener.stop()


def test_a_refusal_is_not_retried_and_the_next_event_goes(
    start_simulator: SimulatorFactory,
) -> None:
    listener = Listener(answers=(400,))
    try:
        sim = start_simulator(callback=listener.callback)
        ticket = Buyer(sim).raised()

        listener.wait_for(ticket["id"], HAPPY[1:])

        first = sim.state()["sent"][0]
        assert (len(first["attempts"]), first["outcome"]) == (1, "refused (400)")
    finally:
        listener.stop()
