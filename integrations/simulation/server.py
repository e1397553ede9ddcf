"""A simulator's HTTP(S) server, the `/_sim/` control API every simulator offers, and
`ServedSimulator`, the handle tests and the management commands start and stop.

Control API (JSON), for tests and the demo:
- `GET  /_sim/state`  — what the simulator holds and has done (its own `state()`);
- `GET  /_sim/health` — `{"ok": true}`;
- `POST /_sim/config` — change settings while running (its own `configure(**values)`; an unknown
  setting or unusable value is HTTP 400 and changes nothing);
- `POST /_sim/reset`  — forget everything and go back to the starting configuration.

With TLS the handshake runs in the connection's own thread, so a stalled client cannot hold up
the others.
"""

import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, Self

from integrations.simulation.scheduler import Scheduler
from integrations.simulation.settings import ConfigError
from integrations.simulation.tls import SimulatorTls, server_tls_context

__all__ = ["ServedSimulator", "SimulatorHandler", "SimulatorServer"]

HANDSHAKE_TIMEOUT = 10.0
MAX_BODY_BYTES = 1024 * 1024


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type["SimulatorHandler"],
        *,
        simulator: "ServedSimulator",
        tls: ssl.SSLContext | None,
        logger: logging.Logger,
    ) -> None:
        self.simulator = simulator
        self.tls = tls
        self.logger = logger
        super().__init__(address, handler)

    def finish_request(self, request: socket.socket, client_address: Any) -> None:
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(HANDSHAKE_TIMEOUT)
        try:
            connection = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            self.logger.info("TLS handshake with %s refused: %s", client_address[0], exc)
            return
        try:
            connection.settimeout(None)
            super().finish_request(connection, client_address)
        finally:
            connection.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.logger.exception("error serving %s", client_address[0])


class SimulatorHandler(BaseHTTPRequestHandler):
    """The plumbing of a simulator's handler: sending, reading a bounded body, the control API.
    A simulator's own handler adds the protocol's methods."""

    server: SimulatorServer
    protocol_version = "HTTP/1.1"
    timeout = 60  # an idle keep-alive connection is closed after this many seconds
    max_body_bytes = MAX_BODY_BYTES
    # Headers and body leave in two writes: with Nagle's algorithm the body waits for the
    # client's delayed ACK of the headers (40 ms per answer on a kept-alive connection).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        self.server.logger.debug("%s %s", self.address_string(), format % args)

    def send_body(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def send_json(self, status: int, payload: Any) -> None:
        self.send_body(status, json.dumps(payload, indent=1).encode(), "application/json")

    def read_body(self) -> bytes | None:
        """The request body, or None once `refuse_body` has answered (too large, no length: a
        chunked body is not read, and the connection is closed so it is not read as a request)."""
        length = (self.headers.get("Content-Length") or "0").strip()
        chunked = bool(self.headers.get("Transfer-Encoding"))
        readable = not chunked and length.isascii() and length.isdigit()
        if not readable or int(length) > self.max_body_bytes:
            self.close_connection = True
            self.refuse_body()
            return None
        return self.rfile.read(int(length))

    def refuse_body(self) -> None:
        self.send_body(413, b"Request body too large or without a length", "text/plain")

    def control_get(self, path: str) -> bool:
        """Answer a control-API GET; False when `path` is none of them."""
        path = path.rstrip("/")
        if path == "/_sim/state":
            self.send_json(200, self.server.simulator.state())
        elif path == "/_sim/health":
            self.send_json(200, {"ok": True})
        else:
            return False
        return True

    def control_post(self, path: str, body: bytes) -> None:
        """Answer a POST under `/_sim/`."""
        simulator = self.server.simulator
        path = path.rstrip("/")
        if path == "/_sim/reset":
            simulator.reset()
            self.send_json(200, {"reset": True})
            return
        if path != "/_sim/config":
            self.send_json(404, {"error": f"nothing at {path}"})
            return
        try:
            values = json.loads(body or b"{}")
            if not isinstance(values, dict):
                raise ConfigError("expected a JSON object")
            config = simulator.configure(**values)
        except (ValueError, ConfigError) as exc:
            self.send_json(400, {"error": str(exc)})
            return
        self.send_json(200, config)


class SimulatorState(Protocol):
    """What a simulator remembers: its JSON view, its settings, and forgetting it all."""

    def snapshot(self) -> dict[str, Any]: ...

    def configure(self, values: dict[str, Any]) -> Any: ...  # the config, with `as_json()`

    def reset(self) -> None: ...


class SimulatorNotifier(Protocol):
    def clear(self) -> None: ...

    def close(self) -> None: ...


class ServedSimulator:
    """A simulator in-process: `start()` serves it on a thread (port 0 picks a free port),
    `stop()` ends it; a context manager too. Subclasses name their `handler_class` and say
    whether HTTPS asks for a client certificate; they hand over their state and notifier, and
    run their workflow on `scheduler`."""

    handler_class: type[SimulatorHandler] = SimulatorHandler
    require_client_certificate = False
    label = "simulator"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        tls: SimulatorTls | None,
        logger: logging.Logger,
        state_store: SimulatorState,
        notifier: SimulatorNotifier,
    ) -> None:
        self.host = host
        self.port = port
        self.tls = tls
        self.logger = logger
        self.state_store = state_store
        self.notifier = notifier
        self.scheduler = Scheduler()
        self._server: SimulatorServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:8081` (no trailing slash)."""
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def start(self) -> Self:
        context = None
        if self.tls is not None:
            context = server_tls_context(
                self.tls, require_client_certificate=self.require_client_certificate
            )
        server = SimulatorServer(
            (self.host, self.port),
            self.handler_class,
            simulator=self,
            tls=context,
            logger=self.logger,
        )
        self._server = server
        self.port = server.server_address[1]
        self.scheduler.start()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="sim-http"
        )
        self._thread.daemon = True
        self._thread.start()
        self.logger.info("%s listening on %s", self.label, self.url)
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
        """Forget everything held, every pending timer and notification; back to the settings
        the simulator was started with."""
        self.scheduler.clear()
        self.notifier.clear()
        self.state_store.reset()

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], *, timeout: float = 5.0
    ) -> dict[str, Any]:
        """Poll the state until `predicate(state)` holds; raise TimeoutError otherwise. For
        tests: no bare sleeps."""
        deadline = time.monotonic() + timeout
        while True:
            snapshot = self.state()
            if predicate(snapshot):
                return snapshot
            if time.monotonic() >= deadline:
                raise TimeoutError(f"simulator state did not match within {timeout}s")
            time.sleep(0.01)
