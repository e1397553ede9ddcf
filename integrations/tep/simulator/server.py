"""The simulator's HTTPS server and `TepSimulator`, the handle tests and the management command use.

TEP API (SOAP 1.1, document/literal wrapped, our WSDL `integrations/tep/wsdl/tep.wsdl`):
`POST /TicketService.svc` (PostTicket, GetTicket, ReportTicketResult, GetReceipt) and
`POST /AttachmentService.svc` (PostAttachment, GetAttachment); any other path takes any of them.
Control API (JSON, `integrations.simulation.server`) for tests and the demo:
- `GET  /_sim/state`    — config, clock, conversations, ticket messages and receipts for us (with
  what we reported or answered), attachments, every call received;
- `POST /_sim/config`   — e.g. `{"step_delay": 0.2, "poll_interval": 60, "locked_count": 3,
  "delivery_mode": "hosted", "partner_ticket_url": "https://…", "clock": "2026-01-01T10:00:00Z",
  "advance_clock": 61}`;
- `POST /_sim/reset`    — forget everything, back to the starting configuration and real time;
- `POST /_sim/incident` — the supplier opens a ticket of its own with us (JSON, all optional:
  `{"summary": …, "service": …, "severity": …, "note": …}`); answers the conversation.

With TLS it asks every caller for a client certificate signed by the demo CA (mutual TLS, as TEP
does); the once-a-minute polling limit is kept per certificate.
"""

import hashlib
import json
import logging
import ssl
from pathlib import Path
from urllib.parse import urlsplit

from integrations.simulation.server import ServedSimulator, SimulatorHandler
from integrations.simulation.settings import ConfigError
from integrations.simulation.tls import Identity, SimulatorTls
from integrations.tep.simulator.delivery import HostedDelivery
from integrations.tep.simulator.lifecycle import Lifecycle
from integrations.tep.simulator.operations import Reply, handle_soap
from integrations.tep.simulator.scenarios import Scenario
from integrations.tep.simulator.state import SimConfig, SimState, configured

__all__ = ["TepSimulator"]

logger = logging.getLogger("integrations.tep.simulator")
JSON_CONTENT = "application/json"
# Attachments travel inline (base64) in the SOAP body: allow a sizeable file.
MAX_SOAP_BYTES = 16 * 1024 * 1024


class _Handler(SimulatorHandler):
    server_version = "TepSimulator/1.0"
    max_body_bytes = MAX_SOAP_BYTES

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if not self.control_get(path):
            self.send_json(404, {"error": f"nothing at {path}; the TEP services take POST"})

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        body = self.read_body()
        if body is None:
            return
        simulator: TepSimulator = self.server.simulator
        if path.rstrip("/") == "/_sim/incident":
            self._incident(simulator, body)
            return
        if path.startswith("/_sim/"):
            self.control_post(path, body)
            return
        try:
            reply = handle_soap(simulator.lifecycle, path=path, body=body, caller=self._caller())
        except Exception:  # a simulator bug: say so loudly, in the log and the answer
            logger.exception("failed to answer POST %s", path)
            self.send_body(500, b"simulator error, see its log", "text/plain")
            return
        try:
            self.send_body(reply.http_status, reply.body, reply.content_type)
        finally:
            _run_after(reply)

    def _incident(self, simulator: "TepSimulator", body: bytes) -> None:
        try:
            values = json.loads(body or b"{}")
            if not isinstance(values, dict):
                raise ConfigError("expected a JSON object")
            ticket = simulator.open_incident(**values)
        except (ValueError, TypeError, ConfigError) as exc:
            self.send_json(400, {"error": str(exc)})
            return
        self.send_json(201, ticket)

    def _caller(self) -> str:
        """Who calls: the SHA-256 of its client certificate, else its address (plain HTTP)."""
        connection = self.connection
        if isinstance(connection, ssl.SSLSocket):
            der = connection.getpeercert(binary_form=True)
            if der:
                return hashlib.sha256(der).hexdigest()
        return self.client_address[0]


def _run_after(reply: Reply) -> None:
    for callback in reply.after:
        try:
            callback()
        except Exception:
            logger.exception("after-answer callback failed")


class TepSimulator(ServedSimulator):
    """TEP and a supplier behind it, in-process: `TepSimulator(tls=…).start()` … `.stop()`.

    `tls` serves HTTPS with mutual TLS from the demo PKI's files; in hosted delivery mode the
    simulator calls our PostTicket/PostReceipt (`partner_ticket_url`) and PostAttachment
    (`partner_attachment_url`) with `client_identity` (the demo PKI's supplier client
    certificate by default), adding the proxy's headers (`forwarded_for`, `proxy_secret`: see
    `delivery`). `deliver_*` tune those calls (attempts, first backoff in seconds, connect/read
    timeouts).
    """

    handler_class = _Handler
    require_client_certificate = True  # X.509 client authentication, as TEP demands
    label = "TEP simulator"
    state_store: SimState
    notifier: HostedDelivery

    def __init__(
        self,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        tls: SimulatorTls | None = None,
        step_delay: float = 5.0,
        scenario: str = Scenario.HAPPY.value,
        delivery_mode: str = "polling",
        partner_ticket_url: str = "",
        partner_attachment_url: str = "",
        poll_interval: float = 60.0,
        locked_count: int = 2,
        receipt_delay: float = 0.0,
        client_identity: Identity | None = None,
        deliver_attempts: int = 10,
        deliver_backoff: float = 1.0,
        deliver_timeout: tuple[float, float] = (3.0, 30.0),
        forwarded_for: str = "127.0.0.1",
        proxy_secret: str = "",
    ) -> None:
        # Checked as the control API checks them.
        config = configured(
            SimConfig(),
            {
                "step_delay": step_delay,
                "scenario": scenario,
                "delivery_mode": delivery_mode,
                "partner_ticket_url": partner_ticket_url,
                "partner_attachment_url": partner_attachment_url,
                "poll_interval": poll_interval,
                "locked_count": locked_count,
                "receipt_delay": receipt_delay,
            },
        )
        state = SimState(config)
        identity = client_identity or (tls.supplier_client if tls else None)
        delivery = HostedDelivery(
            state=state,
            identity=identity,
            ca_cert_path=Path(tls.ca_cert_path) if tls else None,
            attempts=deliver_attempts,
            backoff=deliver_backoff,
            timeout=deliver_timeout,
            forwarded_for=forwarded_for,
            proxy_secret=proxy_secret,
        )
        super().__init__(
            host=host, port=port, tls=tls, logger=logger, state_store=state, notifier=delivery
        )
        self.lifecycle = Lifecycle(state=state, delivery=delivery, scheduler=self.scheduler)

    @property
    def ticket_service_url(self) -> str:
        return f"{self.url}/TicketService.svc"

    @property
    def attachment_service_url(self) -> str:
        return f"{self.url}/AttachmentService.svc"

    def start(self) -> "TepSimulator":
        super().start()
        with self.state_store.lock:
            self.state_store.base_url = self.url
        return self

    def open_incident(self, **values: object) -> dict:
        """What `POST /_sim/incident` does: the supplier opens a ticket with us."""
        return self.lifecycle.open_incident(**values)
