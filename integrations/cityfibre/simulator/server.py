"""The simulator's HTTP(S) server, its control API, and `CityFibreSimulator`, the handle tests and
the management command use.

Supplier API: `POST /<operation>` (as our adapter calls it) or `POST /` (dispatched by the root
element), XML bare or in a SOAP 1.1 envelope: the fault-report operations (addFaultReport,
amendFaultReport, resolveResponse, requestFaultReportUpdate) and the NICC ALA appointment ones
(queryAppointmentAvailability, reserveAppointment).

Control API (JSON), for tests and the demo:
- `GET  /_sim/state`  — config, faults by buyer reference (each with its appointment), the
  reservations issued, every request received, every notification sent (with what our endpoint
  answered);
- `POST /_sim/config` — e.g. `{"scenario": "on-hold", "step_delay": 0.5, "fail_next": 3,
  "fail_status": 503, "fail_for_seconds": 10, "reservation_ttl": 60, "appointment_shape": "xsd"}`;
- `POST /_sim/reset`  — forget everything and go back to the starting configuration.

With a demo PKI it serves HTTPS and requires a client certificate signed by the demo CA (mutual
TLS, as the supplier does); the handshake runs in the connection's own thread, so a stalled client
cannot hold up the others.
"""

import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import urlsplit

# Importing the operations registers them in the dispatch table.
from integrations.cityfibre.simulator import appointments, fault_reports  # noqa: F401
from integrations.cityfibre.simulator.dispatch import Reply, handle_request
from integrations.cityfibre.simulator.lifecycle import Lifecycle, Scheduler
from integrations.cityfibre.simulator.notifier import Notifier
from integrations.cityfibre.simulator.scenarios import Scenario
from integrations.cityfibre.simulator.state import ConfigError, SimConfig, SimState, configured
from integrations.cityfibre.simulator.tls import Identity, SimulatorTls

__all__ = ["CityFibreSimulator"]

logger = logging.getLogger("integrations.cityfibre.simulator")
MAX_BODY_BYTES = 1024 * 1024
HANDSHAKE_TIMEOUT = 10.0
XML = "text/xml; charset=utf-8"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    simulator: "CityFibreSimulator"
    tls: ssl.SSLContext | None = None

    def finish_request(self, request: socket.socket, client_address: Any) -> None:
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(HANDSHAKE_TIMEOUT)
        try:
            connection = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            logger.info("TLS handshake with %s refused: %s", client_address[0], exc)
            return
        try:
            connection.settimeout(None)
            super().finish_request(connection, client_address)
        finally:
            connection.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.exception("error serving %s", client_address[0])


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 60  # an idle keep-alive connection is closed after this many seconds
    server_version = "CityFibreSimulator/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload, indent=1).encode(), "application/json")

    def _body(self) -> bytes | None:
        length = self.headers.get("Content-Length", "0").strip()
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            self.close_connection = True
            self._send(413, b"Request body too large or without a length", "text/plain")
            return None
        return self.rfile.read(int(length))

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path in ("/_sim/state", "/_sim/state/"):
            self._json(200, self.server.simulator.state())
        elif path in ("/_sim/health", "/_sim/health/"):
            self._json(200, {"ok": True})
        else:
            self._json(404, {"error": f"nothing at {path}; the supplier API takes POST"})

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        body = self._body()
        if body is None:
            return
        if path.startswith("/_sim/"):
            self._control(path.rstrip("/"), body)
            return
        simulator = self.server.simulator
        try:
            reply = handle_request(
                simulator.lifecycle, path, body, soap_action=self.headers.get("SOAPAction", "")
            )
        except Exception:  # a simulator bug: say so loudly, in the log and the answer
            logger.exception("failed to answer POST %s", path)
            self._send(500, b"simulator error, see its log", "text/plain")
            return
        try:
            self._send(reply.http_status, reply.body, XML)
        finally:
            _run_after(reply)

    def _control(self, path: str, body: bytes) -> None:
        simulator = self.server.simulator
        if path == "/_sim/reset":
            simulator.reset()
            self._json(200, {"reset": True})
            return
        if path != "/_sim/config":
            self._json(404, {"error": f"nothing at {path}"})
            return
        try:
            values = json.loads(body or b"{}")
            if not isinstance(values, dict):
                raise ConfigError("expected a JSON object")
            config = simulator.configure(**values)
        except (ValueError, ConfigError) as exc:
            self._json(400, {"error": str(exc)})
            return
        self._json(200, config)


def _run_after(reply: Reply) -> None:
    for callback in reply.after:
        try:
            callback()
        except Exception:
            logger.exception("after-answer callback failed")


def _tls_context(pki: SimulatorTls) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(pki.server.cert_path), str(pki.server.key_path))
    context.load_verify_locations(cafile=str(pki.ca_cert_path))
    context.verify_mode = ssl.CERT_REQUIRED  # mutual TLS: no client certificate, no connection
    return context


class CityFibreSimulator:
    """The supplier, in-process: `CityFibreSimulator(notify_url=…).start()` … `.stop()`.

    `tls` serves HTTPS with mutual TLS from its files (`simulator.tls`); `supplier_client_cert` is
    the identity the notifications carry in `X-SSL-Client-Cert` (and present, when `notify_url` is
    https); `proxy_secret` is the `PARTNER_PROXY_SECRET` they carry, as the proxy's mutual-TLS
    site adds.
    `reservation_ttl` is how long, in seconds, a reservation key stays valid; `appointment_shape`
    writes appointment notifications as the samples do ("samples") or as the XSD allows ("xsd").
    """

    def __init__(
        self,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        notify_url: str = "http://127.0.0.1:8000/integrations/cityfibre/demo-supplier/notify/",
        buyer_identifiers: set[str] | frozenset[str] | list[str] = frozenset({"SPDEV1"}),
        step_delay: float = 5.0,
        scenario: str = Scenario.HAPPY.value,
        auto_close_after: float = 172800.0,
        unavailable_count: int = 2,
        supplier_client_cert: Identity | None = None,
        tls: SimulatorTls | None = None,
        forwarded_for: str = "127.0.0.1",
        proxy_secret: str = "",
        notify_attempts: int = 5,
        notify_backoff: float = 1.0,
        notify_timeout: tuple[float, float] = (3.0, 10.0),
        reservation_ttl: float = 1800.0,
        appointment_shape: str = "samples",
    ) -> None:
        config = SimConfig(
            notify_url=notify_url,
            buyer_identifiers=set(buyer_identifiers),
            scenario=Scenario.parse(scenario).value,
            step_delay=step_delay,
            auto_close_after=auto_close_after,
            unavailable_count=unavailable_count,
        )
        # Checked as the control API checks them.
        config = configured(
            config, {"reservation_ttl": reservation_ttl, "appointment_shape": appointment_shape}
        )
        self.host = host
        self.port = port
        self.tls = tls
        self.state_store = SimState(config)
        self.scheduler = Scheduler()
        self.notifier = Notifier(
            state=self.state_store,
            identity=supplier_client_cert,
            ca_cert_path=tls.ca_cert_path if tls else None,
            forwarded_for=forwarded_for,
            proxy_secret=proxy_secret,
            attempts=notify_attempts,
            backoff=notify_backoff,
            timeout=notify_timeout,
        )
        self.lifecycle = Lifecycle(
            state=self.state_store, notifier=self.notifier, scheduler=self.scheduler
        )
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:8081` (no trailing slash)."""
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def start(self) -> Self:
        server = _Server((self.host, self.port), _Handler)
        server.simulator = self
        server.tls = _tls_context(self.tls) if self.tls else None
        self._server = server
        self.port = server.server_address[1]
        self.scheduler.start()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="sim-http"
        )
        self._thread.daemon = True
        self._thread.start()
        logger.info("CityFibre simulator listening on %s", self.url)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.scheduler.stop()
        self.notifier.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self if self._server is not None else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def state(self) -> dict[str, Any]:
        """What `GET /_sim/state` returns: a JSON-ready copy, safe to keep."""
        return self.state_store.snapshot()

    def configure(self, **values: Any) -> dict[str, Any]:
        """Change settings while running (keys as `POST /_sim/config`); returns the config."""
        return self.state_store.configure(values).as_json()

    def reset(self) -> None:
        """Forget every fault, record and pending timer or notification; back to the settings
        the simulator was started with."""
        self.scheduler.clear()
        self.notifier.clear()
        self.state_store.reset()

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], *, timeout: float = 5.0
    ) -> dict[str, Any]:
        """Poll the state until `predicate(state)` holds; raise TimeoutError with the last state
        otherwise. For tests: no bare sleeps."""
        deadline = time.monotonic() + timeout
        while True:
            snapshot = self.state()
            if predicate(snapshot):
                return snapshot
            if time.monotonic() >= deadline:
                raise TimeoutError(f"simulator state did not match within {timeout}s")
            time.sleep(0.01)
