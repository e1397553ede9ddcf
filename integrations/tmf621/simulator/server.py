"""The simulator's HTTP(S) server and `Tmf621Simulator`, the handle tests and the management
command use.

Supplier API: `api` (the token endpoint, `/tmf-api/troubleTicket/v4/…`). Control API (JSON,
`integrations.simulation.server`), for tests and the demo:
- `GET  /_sim/state`  — config (without secrets), tickets by id (each as v4 shows it, with its
  scenario and history), the registered listeners, how many tokens are valid, every request
  received, every event sent (with what the listener answered to each attempt);
- `POST /_sim/config` — e.g. `{"step_delay": 0.5, "token_ttl": 1, "scenario": "pending",
  "callback": "http://…", "listener_token": "…", "unavailable_count": 3, "page_limit": 10,
  "auto_close_after": 60, "create_status": "submitted", "expire_tokens": true}`;
- `POST /_sim/reset`  — forget everything and go back to the starting configuration.

With `tls` it serves HTTPS with the demo PKI's server certificate; it asks for no client
certificate (the supplier authenticates callers by their access token).
"""

import logging
from urllib.parse import urlsplit

from integrations.simulation.server import ServedSimulator, SimulatorHandler
from integrations.simulation.tls import SimulatorTls
from integrations.tmf621.simulator.api import API_PREFIX, TOKEN_PATH, ApiRequest, handle
from integrations.tmf621.simulator.lifecycle import Lifecycle
from integrations.tmf621.simulator.notifier import EventNotifier
from integrations.tmf621.simulator.replies import JSON, Reply, TmfError
from integrations.tmf621.simulator.scenarios import Scenario
from integrations.tmf621.simulator.state import SimConfig, SimState, configured

__all__ = ["Tmf621Simulator"]

logger = logging.getLogger("integrations.tmf621.simulator")


class _Handler(SimulatorHandler):
    server_version = "Tmf621Simulator/1.0"

    def do_GET(self) -> None:
        if not self.control_get(urlsplit(self.path).path):
            self._api()

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith("/_sim/"):
            body = self.read_body()
            if body is not None:
                self.control_post(path, body)
            return
        self._api()

    def do_PATCH(self) -> None:
        self._api()

    def do_DELETE(self) -> None:
        self._api()

    def do_PUT(self) -> None:
        self._api()

    def refuse_body(self) -> None:
        self._reply(
            TmfError(
                413,
                "payloadTooLarge",
                "Request body too large or without a length",
                f"at most {self.max_body_bytes} bytes, with a Content-Length",
            ).reply()
        )

    def _api(self) -> None:
        body = self.read_body()
        if body is None:
            return
        parts = urlsplit(self.path)
        request = ApiRequest(
            method=self.command,
            path=parts.path,
            query=parts.query,
            headers=self.headers,
            body=body,
        )
        try:
            reply = handle(self.server.simulator.lifecycle, request)
        except Exception:  # a simulator bug: say so loudly, in the log and the answer
            logger.exception("failed to answer %s %s", self.command, parts.path)
            reply = TmfError(500, "internalError", "Simulator error", "see its log").reply()
        try:
            self._reply(reply)
        finally:
            for callback in reply.after:
                try:
                    callback()
                except Exception:
                    logger.exception("after-answer callback failed")

    def _reply(self, reply: Reply) -> None:
        if reply.payload is None:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.wfile.flush()
            return
        self.send_body(reply.status, reply.body, JSON, reply.headers)


class Tmf621Simulator(ServedSimulator):
    """The supplier, in-process: `Tmf621Simulator(client_id=…, …).start()` … `.stop()`.

    `client_id`/`client_secret` are the Basic credentials the token endpoint takes;
    `listener_token` the bearer token events carry to our listener; `callback` where events go
    until a listener registers with POST /hub. `notify_*` tune the delivery of events (attempts,
    first backoff and its ceiling in seconds, connect/read timeouts).
    """

    handler_class = _Handler
    require_client_certificate = False
    label = "TMF621 simulator"
    state_store: SimState
    notifier: EventNotifier

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        listener_token: str,
        port: int = 0,
        host: str = "127.0.0.1",
        callback: str = "",
        step_delay: float = 5.0,
        token_ttl: float = 3600.0,
        scenario: str = Scenario.HAPPY.value,
        unavailable_count: int = 2,
        auto_close_after: float = 172800.0,
        page_limit: int = 100,
        create_status: str = "acknowledged",
        tls: SimulatorTls | None = None,
        notify_attempts: int = 20,
        notify_backoff: float = 1.0,
        notify_max_backoff: float = 30.0,
        notify_timeout: tuple[float, float] = (3.0, 10.0),
    ) -> None:
        # Checked as the control API checks them.
        config = configured(
            SimConfig(client_id=client_id, client_secret=client_secret, listener_token=""),
            {
                "listener_token": listener_token,
                "callback": callback,
                "step_delay": step_delay,
                "token_ttl": token_ttl,
                "scenario": scenario,
                "unavailable_count": unavailable_count,
                "auto_close_after": auto_close_after,
                "page_limit": page_limit,
                "create_status": create_status,
            },
        )
        state = SimState(config)
        notifier = EventNotifier(
            state=state,
            ca_cert_path=tls.ca_cert_path if tls else None,
            attempts=notify_attempts,
            backoff=notify_backoff,
            max_backoff=notify_max_backoff,
            timeout=notify_timeout,
        )
        super().__init__(
            host=host, port=port, tls=tls, logger=logger, state_store=state, notifier=notifier
        )
        self.lifecycle = Lifecycle(state=state, notifier=notifier, scheduler=self.scheduler)

    @property
    def api_url(self) -> str:
        """The API's base URL, our `Partner.base_url` (no trailing slash)."""
        return f"{self.url}{API_PREFIX}"

    @property
    def token_url(self) -> str:
        return f"{self.url}{TOKEN_PATH}"

    def start(self) -> "Tmf621Simulator":
        super().start()
        with self.state_store.lock:
            self.state_store.api_url = self.api_url
        return self
