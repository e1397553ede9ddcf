"""A small TMF621 supplier on loopback for the outbound tests (the full simulator is
`simulate_tmf621`): a token endpoint that checks HTTP Basic credentials and issues tokens it can
later expire, an API that checks the bearer token on every call and answers each route the way
the wire contract says, a script of answers that take precedence, and a record of every request.

It binds a port in the range this test suite's servers use (18200-18299)."""

from __future__ import annotations

import base64
import json
import re
import socket
import ssl
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.ports import worker_share

PORTS = worker_share(range(18200, 18300))
API = "/tmf-api/troubleTicket/v4"
TOKEN_PATH = "/oauth/token"
JSON = "application/json;charset=utf-8"
NOW = "2026-03-02T10:00:00Z"


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON-able, or bytes as they are
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Received:
    method: str
    path: str  # after the API's base path, e.g. "troubleTicket/TT-1"
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def bearer(self) -> str:
        return self.headers.get("Authorization", "").removeprefix("Bearer ")


def free_port() -> int:
    """A port of the range nothing listens on now (for a server that binds it itself)."""
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"No free port in {PORTS.start}-{PORTS.stop - 1}")


def tmf_error(status: int, reason: str, message: str = "") -> Reply:
    body = {"code": str(status), "reason": reason, "message": message, "status": str(status)}
    return Reply(status, body)


class StubSupplier:
    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        expires_in: int = 3600,
        tls: tuple[Path, Path] | None = None,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.expires_in = expires_in
        self.received: list[Received] = []  # API calls, in order
        self.token_requests: list[dict[str, str]] = []
        self.valid_tokens: set[str] = set()
        self.script: deque[Reply] = deque()  # answers to the next API calls, before the routes
        self.token_script: deque[Reply] = deque()  # answers to the next token requests
        self.tickets: dict[str, dict[str, Any]] = {}
        self.listing: list[dict[str, Any]] = []  # what GET troubleTicket pages through
        self.hubs: dict[str, dict[str, Any]] = {}
        self.refuse_every_token = False  # the API answers 401 whatever the token
        self._lock = threading.Lock()
        self._count = 0
        self.server = self._bind()
        scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self.api_url = self.url + API
        self.token_url = self.url + TOKEN_PATH
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- set up ------------------------------------------------------------------------------
    def _bind(self) -> ThreadingHTTPServer:
        handler = self._handler()
        for port in PORTS:
            try:
                server = ThreadingHTTPServer(("127.0.0.1", port), handler)
            except OSError:
                continue
            server.daemon_threads = True
            return server
        raise RuntimeError(f"No free port in {PORTS.start}-{PORTS.stop - 1}")

    def __enter__(self) -> StubSupplier:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def then(self, *replies: Reply) -> StubSupplier:
        self.script.extend(replies)
        return self

    def expire_tokens(self) -> None:
        """Every token issued so far stops working (it expired on the supplier's clock)."""
        with self._lock:
            self.valid_tokens.clear()

    def _next(self, prefix: str) -> str:
        with self._lock:
            self._count += 1
            return f"{prefix}{self._count}"

    # --- answers -------------------------------------------------------------------------------
    def _token(self, headers: dict[str, str], body: bytes) -> Reply:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        with self._lock:
            self.token_requests.append({"authorization": headers.get("Authorization", ""), **form})
            if self.token_script:
                return self.token_script.popleft()
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if headers.get("Authorization") != f"Basic {expected}":
            return tmf_error(401, "Invalid client credentials")
        if form.get("grant_type") != "client_credentials":
            return Reply(400, {"error": "unsupported_grant_type"})
        token = self._next("token-")
        with self._lock:
            self.valid_tokens.add(token)
        return Reply(
            200, {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in}
        )

    def _api(self, received: Received) -> Reply:
        with self._lock:
            self.received.append(received)
            authorised = received.bearer in self.valid_tokens and not self.refuse_every_token
            if authorised and self.script:
                return self.script.popleft()
        if not authorised:
            reply = tmf_error(401, "Invalid or expired access token")
            reply.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            return reply
        return self._route(received)

    def _route(self, received: Received) -> Reply:
        method, path = received.method, received.path
        if method == "POST" and path == "troubleTicket":
            ticket_id = self._next("TT-")
            ticket = {
                **received.json,
                "id": ticket_id,
                "href": f"{self.api_url}/troubleTicket/{ticket_id}",
                "status": "acknowledged",
                "creationDate": NOW,
                "lastUpdate": NOW,
                "statusChangeDate": NOW,
            }
            self.tickets[ticket_id] = ticket
            return Reply(201, ticket)
        if method == "GET" and path == "troubleTicket":
            offset = int(received.query.get("offset", ["0"])[0])
            limit = int(received.query.get("limit", ["100"])[0])
            page = self.listing[offset : offset + limit]
            return Reply(
                200,
                page,
                {"X-Total-Count": str(len(self.listing)), "X-Result-Count": str(len(page))},
            )
        match = re.fullmatch(r"troubleTicket/([^/]+)", path)
        if match:
            ticket = self.tickets.get(match.group(1))
            if ticket is None:
                return tmf_error(404, "No such ticket", match.group(1))
            if method == "PATCH":
                change = received.json
                for name in ("note", "attachment"):
                    if name in change:
                        ticket[name] = [*ticket.get(name, []), *change.pop(name)]
                ticket.update(change)
            return Reply(200, ticket)
        if method == "POST" and path == "hub":
            subscription = {"id": self._next("hub-"), "callback": received.json["callback"]}
            self.hubs[subscription["id"]] = subscription
            return Reply(201, subscription)
        match = re.fullmatch(r"hub/([^/]+)", path)
        if method == "DELETE" and match:
            if self.hubs.pop(match.group(1), None) is None:
                return tmf_error(404, "No such subscription")
            return Reply(204)
        return tmf_error(404, "No such resource", f"{method} {path}")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                url = urlsplit(self.path)
                headers = dict(self.headers)
                if url.path == TOKEN_PATH and self.command == "POST":
                    reply = stub._token(headers, body)
                elif url.path.startswith(API + "/"):
                    received = Received(
                        self.command,
                        url.path.removeprefix(API + "/"),
                        parse_qs(url.query),
                        headers,
                        body,
                    )
                    reply = stub._api(received)
                else:
                    reply = tmf_error(404, "Not found")
                self._answer(reply)

            def _answer(self, reply: Reply) -> None:
                if reply.body is None:
                    payload = b""
                elif isinstance(reply.body, bytes):
                    payload = reply.body
                else:
                    payload = json.dumps(reply.body).encode()
                self.send_response(reply.status)
                if payload and not isinstance(reply.body, bytes):
                    self.send_header("Content-Type", JSON)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_DELETE = _serve

            def log_message(self, *args: object) -> None:
                pass

        return Handler
