"""A real HTTP server on loopback that answers from a script: the partner side for outbox tests
that need exact status codes, delays and redirects (the simulator plays the full protocol)."""

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from tests.loopback import LoopbackServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    # False: no Content-Length, the body ends when the connection closes (HTTP/1.0).
    declare_length: bool = True


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    method: str = "POST"


class ScriptedPartner(LoopbackServer):
    def __init__(self, default: Reply | None = None) -> None:
        self.default = default or Reply(200, b"")
        self.script: deque[Reply] = deque()
        self.received: list[Received] = []
        self._lock = threading.Lock()
        super().__init__()

    def respond(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        with self._lock:
            self.received.append(
                Received(handler.path, dict(handler.headers), body, handler.command)
            )
            reply = self.script.popleft() if self.script else self.default
        if reply.delay:
            time.sleep(reply.delay)
        handler.send_response(reply.status)
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        if reply.declare_length:
            handler.send_header("Content-Length", str(len(reply.body)))
        handler.end_headers()
        handler.wfile.write(reply.body)

    def then(self, *replies: Reply) -> "ScriptedPartner":
        self.script.extend(replies)
        return self

    @property
    def operations(self) -> list[str]:
        return [r.path.rsplit("/", 1)[-1] for r in self.received]
