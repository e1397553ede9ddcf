"""The TMF621 simulator's tests: the simulator as a real server on loopback, our listener played
by a small recording HTTP server, and a client that speaks to the simulator as our product would
(token first, then bearer calls).

No database: every body is written out here, in the shape the contract gives our requests."""

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any

import pytest
import requests

from devtools.pki import DemoPki, ensure_demo_pki
from integrations.tmf621.simulator import Tmf621Simulator

CLIENT_ID = "noc-test-client"
CLIENT_SECRET = "noc-test-secret"
LISTENER_TOKEN = "listener-token-for-tests"
STEP = 0.05
WAIT = 10.0  # how long a wait may take before the test fails (a timeout, not an assertion)
BUYER = {"id": "NOC-TMF", "role": "buyer", "@referredType": "Organization", "name": "NOC"}
_numbers = count(1)


# --- our listener, played by a recorder ----------------------------------------------------------
class Listener:
    """Records every event POSTed to it. Answers 201 with v4's listener answer, or, to the first
    requests, the statuses in `answers` (a test's "our product is restarting")."""

    def __init__(self, *, port: int = 0, answers: tuple[int, ...] = ()) -> None:
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()

    @property
    def callback(self) -> str:
        """What our product registers with POST /hub."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/integrations/tmf621/demo"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with listener.lock:
                    status = listener.answers.pop(0) if listener.answers else 201
                    listener.requests.append(
                        {
                            "path": self.path,
                            "headers": dict(self.headers),
                            "body": body,
                            "answered": status,
                        }
                    )
                reply = json.dumps({"id": body.get("eventId"), "callback": self.path}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        return Handler

    def events(self, ticket_id: str | None = None) -> list[dict[str, Any]]:
        """The events answered 2xx (about one ticket), in the order they arrived."""
        with self.lock:
            taken = [dict(r) for r in self.requests if 200 <= r["answered"] < 300]
        if ticket_id is not None:
            taken = [r for r in taken if event_ticket_id(r["body"]) == ticket_id]
        return taken

    def sequence(self, ticket_id: str) -> list[tuple[str, str]]:
        """(eventType, status) of a ticket's delivered events (status "" for id-only ones)."""
        return [
            (r["body"]["eventType"], r["body"]["event"].get("troubleTicket", {}).get("status", ""))
            for r in self.events(ticket_id)
        ]

    def wait_for(self, ticket_id: str, expected: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """Wait until the ticket's events are `expected`; fails at once on a wrong one."""
        deadline = time.monotonic() + WAIT
        while (got := self.sequence(ticket_id)) != expected:
            assert got == expected[: len(got)], f"unexpected events {got}"
            assert time.monotonic() < deadline, f"waited for {expected}, got {got}"
            time.sleep(0.01)
        return self.events(ticket_id)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def event_ticket_id(body: dict[str, Any]) -> str:
    event = body.get("event", {})
    return event.get("troubleTicket", {}).get("id") or event.get("id", "")


# --- our side's calls --------------------------------------------------------------------------
class Buyer:
    """Our product's calls to the supplier: a token from the token endpoint, then bearer calls
    with JSON bodies."""

    def __init__(self, simulator: Tmf621Simulator, *, verify: str | bool = True) -> None:
        self.simulator = simulator
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = verify
        self.token = self.new_token()

    def new_token(self) -> str:
        response = self.session.post(
            self.simulator.token_url,
            auth=(CLIENT_ID, CLIENT_SECRET),
            data={"grant_type": "client_credentials"},
            timeout=5,
        )
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.session.request(
            method, f"{self.simulator.api_url}/{path}", headers=headers, timeout=5, **kwargs
        )

    def send_json(self, method: str, path: str, body: Any, **kwargs: Any) -> requests.Response:
        headers = {"Content-Type": "application/json;charset=utf-8", **kwargs.pop("headers", {})}
        return self.call(method, path, data=json.dumps(body), headers=headers, **kwargs)

    def raise_ticket(self, **overrides: Any) -> requests.Response:
        return self.send_json("POST", "troubleTicket", ticket_body(**overrides))

    def raised(self, **overrides: Any) -> dict[str, Any]:
        response = self.raise_ticket(**overrides)
        assert response.status_code == 201, response.text
        return response.json()

    def patch(self, ticket_id: str, body: Any, **kwargs: Any) -> requests.Response:
        return self.send_json("PATCH", f"troubleTicket/{ticket_id}", body, **kwargs)

    def get(self, ticket_id: str, **params: str) -> requests.Response:
        return self.call("GET", f"troubleTicket/{ticket_id}", params=params)

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        response = self.get(ticket_id)
        assert response.status_code == 200, response.text
        return response.json()

    def wait_for_status(self, ticket_id: str, status: str) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT
        while (ticket := self.ticket(ticket_id))["status"] != status:
            assert time.monotonic() < deadline, f"{ticket_id} stayed {ticket['status']}"
            time.sleep(0.01)
        return ticket

    def settle(self) -> None:
        """Let every workflow step already scheduled run: a ticket raised now, with the same
        step delay, is resolved only after every step due before its own (one timer thread runs
        them in order of their due time)."""
        marker = self.raised(service=f"SIM-HAPPY-MARKER-{next(_numbers)}")
        self.wait_for_status(marker["id"], "resolved")


def ticket_body(
    *,
    service: str = "S18650",
    external_id: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A raise as the contract gives it (externalId our reference, the affected service, our
    buyer and contacts, notes, an attachment); `overrides` replace or (None) drop fields."""
    reference = external_id or f"NOC-{next(_numbers):06d}"
    body: dict[str, Any] = {
        "externalId": reference,
        "ticketType": "Customer_Trouble_Ticket",
        "ticketSubtype": "Maintenance",
        "severity": "Medium",
        "priority": 4,
        "name": "Intermittent loss of sync",
        "description": "The line drops every few minutes since this morning.",
        "relatedEntity": [
            {"id": service, "role": "affectedService", "@referredType": "Product", "name": "FTTP"}
        ],
        "relatedParty": [
            BUYER,
            {
                "id": f"reporter-{reference}",
                "role": "reporter",
                "@referredType": "Individual",
                "name": "Nora Agent",
            },
        ],
        "note": [{"text": "Triage: light levels low at the ONT."}],
        "attachment": [
            {
                "name": "ont.txt",
                "mimeType": "text/plain",
                "content": "T05UIGxpZ2h0IGxldmVsczogLTI4IGRCbQ==",
                "size": {"amount": 26, "units": "bytes"},
            }
        ],
    }
    for key, value in overrides.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def sent(simulator: Tmf621Simulator, ticket_id: str) -> list[tuple[str, str]]:
    """(eventType, status) of every event the simulator has written about a ticket, delivered
    or not: what it decided to send, known as soon as the step has run."""
    return [
        (record["event_type"], record["status"])
        for record in simulator.state()["sent"]
        if record["ticket_id"] == ticket_id
    ]


def tmf_error(response: requests.Response, status: int, code: str | None = None) -> dict:
    """The TMF error body of a refusal (after checking its status, shape and content type)."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json;charset=utf-8"
    body = response.json()
    assert set(body) == {"code", "reason", "message", "status"}, body
    assert body["status"] == str(status)
    assert all(isinstance(value, str) and value for value in body.values()), body
    if code is not None:
        assert body["code"] == code, body
    return body


# --- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPki:
    return ensure_demo_pki(tmp_path_factory.mktemp("tmf621-pki"))


@pytest.fixture
def listener() -> Iterator[Listener]:
    recorder = Listener()
    yield recorder
    recorder.stop()


SimulatorFactory = Callable[..., Tmf621Simulator]


@pytest.fixture
def start_simulator() -> Iterator[SimulatorFactory]:
    """Starts simulators (stopped after the test) with the tests' credentials and fast steps."""
    started: list[Tmf621Simulator] = []

    def start(**options: Any) -> Tmf621Simulator:
        values: dict[str, Any] = {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "listener_token": LISTENER_TOKEN,
            "step_delay": STEP,
            "notify_backoff": 0.02,
            "notify_max_backoff": 0.1,
        }
        values.update(options)
        simulator = Tmf621Simulator(port=0, **values).start()
        started.append(simulator)
        return simulator

    yield start
    for simulator in started:
        simulator.stop()


@pytest.fixture
def sim(start_simulator: SimulatorFactory, listener: Listener) -> Tmf621Simulator:
    return start_simulator(callback=listener.callback)


@pytest.fixture
def buyer(sim: Tmf621Simulator) -> Buyer:
    return Buyer(sim)
