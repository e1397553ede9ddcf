"""A subscriber's listener for the hub's end-to-end tests: a real HTTP server on loopback that
records every event POSTed under its callback and answers 201 ("Notified", v4). It can be
stopped and started again on the same port: a listener that is down for a while."""

import json
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.ports import worker_share

# The servers these tests start listen on ports of this range (the live server and Redis take
# any free port, as the other end-to-end tests do).
PORTS = worker_share(range(18600, 18700))
CALLBACK_PATH = "/oss/tmf-events"


def port_in_range() -> int:
    """A port of PORTS nobody listens on now."""
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


@dataclass(frozen=True)
class Heard:
    path: str
    content_type: str
    body: dict[str, Any]


class Listener:
    def __init__(self, port: int) -> None:
        self.port = port
        self.heard: list[Heard] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def callback(self) -> str:
        return f"http://127.0.0.1:{self.port}{CALLBACK_PATH}"

    def start(self) -> "Listener":
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length))
                with listener._lock:
                    listener.heard.append(
                        Heard(self.path, self.headers.get("Content-Type", ""), body)
                    )
                self.send_response(201)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        # HTTPServer reuses the address: started again at once on the same port.
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [heard.body for heard in self.heard]
