"""The TEP simulator over real sockets with mutual TLS: a started simulator (port 0, the test's
own demo PKI, fast steps), a zeep client bound to it with our client certificate, and a recorder
playing our hosted TicketService/AttachmentService for hosted delivery."""

import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from lxml import etree

from devtools.pki import DemoPki
from integrations.models import Partner
from integrations.simulation.tls import Identity, server_tls_context
from integrations.tep import client, soap
from integrations.tep.simulator import TepSimulator
from integrations.tep.simulator.clock import parse_instant

STEP = 0.05
WAIT = 5.0
T0 = "2026-01-05T09:00:00Z"


@pytest.fixture
def simulator(pki: DemoPki) -> Iterator[TepSimulator]:
    """The simulator on a port of its own, its clock standing still at T0."""
    sim = TepSimulator(tls=pki, step_delay=STEP, deliver_backoff=0.05)
    sim.start()
    sim.configure(clock=T0)
    try:
        yield sim
    finally:
        sim.stop()


def advance(sim: TepSimulator, seconds: float) -> None:
    sim.configure(advance_clock=seconds)


def now_of(sim: TepSimulator):
    return parse_instant(sim.state()["clock"]["now"])


# --- our hosted endpoints, played by a recorder ------------------------------------------------
class Recorder:
    """HTTPS with mutual TLS (the demo CA): records each SOAP request with the client
    certificate's subject, answers PostTicket with a PartnerPostTicketResponse (our reference
    `OURS-<n>`), PostReceipt with an empty answer, PostAttachment with a URI of ours; or with
    `fault` (a TepFault) for the first `fault_first` requests."""

    def __init__(self, pki: DemoPki, *, answer: Any) -> None:
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.answer = answer  # (operation, payload element) -> bytes (the envelope) and status
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.context = server_tls_context(pki, require_client_certificate=True)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def operations(self) -> list[str]:
        with self.lock:
            return [entry["operation"] for entry in self.requests]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def setup(self) -> None:
                self.request = recorder.context.wrap_socket(self.request, server_side=True)
                super().setup()

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                subject = dict(item[0] for item in self.connection.getpeercert().get("subject", ()))
                operation, payload = soap.unwrap(body)
                with recorder.lock:
                    recorder.requests.append(
                        {
                            "path": self.path,
                            "operation": operation,
                            "payload": etree.tostring(payload),
                            "client": subject.get("commonName"),
                            "soap_action": self.headers.get("SOAPAction"),
                            "proxy_cert": self.headers.get("X-SSL-Client-Cert", ""),
                        }
                    )
                    number = len(recorder.requests)
                status, answer = recorder.answer(operation, payload, number)
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        return Handler


def faulted(answer: bytes, operation: str = "") -> tuple[int, bytes]:
    return 500, answer


def soap_answer(payload: etree._Element) -> tuple[int, bytes]:
    return 200, soap.envelope(payload)


# --- us, calling the simulator through zeep ---------------------------------------------------
class TepCaller:
    """Our side of the six TEP-hosted operations, through our zeep client
    (`integrations.tep.client.call`) over mutual TLS with `identity`: a partner (unsaved: no
    database) whose base URL is the simulator's. `call(operation, **kwargs)` returns what the
    client returns (`messages` dataclasses) or raises the fault as a TepFault."""

    def __init__(
        self, sim: TepSimulator | None, identity: Identity, ca_cert_path, *, url: str = ""
    ) -> None:
        self.sim = sim
        self.partner = Partner(
            slug="tep-sim",
            name="TEP (simulator)",
            protocol="tep",
            base_url=url or sim.url,
            client_cert_path=str(identity.cert_path),
            client_key_path=str(identity.key_path),
            ca_bundle_path=str(ca_cert_path),
        )

    def call(self, operation: str, **kwargs: Any) -> Any:
        service = "attachment" if operation.endswith("Attachment") else "ticket"
        return client.call(self.partner, service, operation, **kwargs)


@pytest.fixture
def tep(simulator: TepSimulator, pki: DemoPki) -> TepCaller:
    """Us (the demo PKI's buyer client certificate) calling the simulator."""
    return TepCaller(simulator, pki.buyer_client, pki.ca_cert_path)


def new_ticket(
    reference: str, *, service: str = "SVC-1", tracking: str = "", message_type: str = "New"
) -> dict[str, Any]:
    """A ticket of ours as zeep takes it (New: raise; Update: `update_ticket`)."""
    return {
        "MessageType": message_type,
        "SystemTransactionID": str(uuid.uuid4()),
        "TrackingReference": tracking or f"{reference}-{uuid.uuid4().hex[:6]}",
        "Sender": {"ConversationRoleID": 10, "TicketReference": reference},
        "Details": {
            "Detail": [
                {"Name": "ServiceId", "Value": service},
                {"Name": "Status", "Value": "New"},
                {"Name": "Description", "Value": "No light on the fibre"},
            ]
        },
        "Notes": {
            "Note": [
                {
                    "NoteId": f"{reference}-1",
                    "Content": "Raised by the NOC",
                    "CreatedDateTime": "5/21/2012 1:00:00 PM",
                }
            ]
        },
    }


def update_ticket(reference: str, status: str) -> dict[str, Any]:
    """Our Update on a ticket we raised, its Status detail `status`."""
    return {
        "MessageType": "Update",
        "SystemTransactionID": str(uuid.uuid4()),
        "TrackingReference": f"{reference}-{uuid.uuid4().hex[:6]}",
        "Sender": {"TicketReference": reference},
        "Details": {"Detail": [{"Name": "Status", "Value": status}]},
    }


def details_of(ticket: Any) -> dict[str, str]:
    return {d.name: d.value for d in ticket.details}
