"""The supplier's API, from a parsed HTTP request to its `Reply`: the token endpoint, the trouble
ticket operations and the listener registration, each refusal a TMF error.

- `POST /oauth/token`: HTTP Basic client credentials, form body `grant_type=client_credentials`
  → 200 `{"access_token", "token_type": "Bearer", "expires_in"}`; wrong credentials 401.
- Under `/tmf-api/troubleTicket/v4/`, every call with `Authorization: Bearer <token>` (401
  otherwise, `WWW-Authenticate: Bearer error="invalid_token"`):
  `POST troubleTicket` → 201 the ticket; `GET troubleTicket` → 200 the list (`queries`);
  `GET troubleTicket/{id}` → 200; `PATCH troubleTicket/{id}` → 200 the whole ticket;
  `POST hub` → 201 `{"id", "callback"}`; `DELETE hub/{id}` → 204. Another method on one of these
  paths is 405 (the supplier deletes no ticket: seed 002 offers GET, POST and PATCH), another
  path 404.

A request repeated byte for byte (our outbox retries when an answer is lost) is answered again
and applied once: a POST by its `externalId`, a PATCH when it repeats the ticket's last one.
"""

import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import parse_qs, unquote

from integrations.tmf621.simulator.lifecycle import Lifecycle
from integrations.tmf621.simulator.queries import parse_fields, parse_query
from integrations.tmf621.simulator.replies import Reply, TmfError
from integrations.tmf621.simulator.scenarios import Scenario, scenario_for
from integrations.tmf621.simulator.state import SimState, SimTicket, Subscription, utc_now
from integrations.tmf621.simulator.tickets import selected
from integrations.tmf621.simulator.tokens import basic_credentials, bearer_token, expires_in
from integrations.tmf621.simulator.validation import (
    TERMINAL,
    check_buyer_change,
    check_create,
    check_hub,
    check_update,
    json_object,
)

__all__ = ["API_PREFIX", "TOKEN_PATH", "ApiRequest", "handle"]

logger = logging.getLogger("integrations.tmf621.simulator")
API_PREFIX = "/tmf-api/troubleTicket/v4"
TOKEN_PATH = "/oauth/token"
FORM = "application/x-www-form-urlencoded"
RECORDED_BODY_CHARS = 20_000


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type") or ""


def handle(life: Lifecycle, request: ApiRequest) -> Reply:
    try:
        reply = _route(life, request)
    except TmfError as error:
        reply = error.reply()
    _record(life.state, request, reply)
    return reply


def _route(life: Lifecycle, request: ApiRequest) -> Reply:
    path = request.path.rstrip("/") or "/"
    if path == TOKEN_PATH:
        _allow(request, "POST")
        return _issue_token(life.state, request)
    if not path.startswith(API_PREFIX + "/"):
        raise TmfError(
            404,
            "notFound",
            "Resource not found",
            f"nothing at {path[:200]}; the API is under {API_PREFIX}/, tokens at {TOKEN_PATH}",
        )
    _authorize(life.state, request)
    parts = [unquote(part) for part in path[len(API_PREFIX) + 1 :].split("/")]
    match parts:
        case ["troubleTicket"]:
            _allow(request, "GET", "POST")
            return _list(life.state, request) if request.method == "GET" else _create(life, request)
        case ["troubleTicket", ticket_id]:
            _allow(request, "GET", "PATCH")
            if request.method == "GET":
                return _retrieve(life.state, request, ticket_id)
            return _patch(life, request, ticket_id)
        case ["hub"]:
            _allow(request, "POST")
            return _register(life.state, request)
        case ["hub", hub_id]:
            _allow(request, "DELETE")
            return _unregister(life.state, hub_id)
    raise TmfError(404, "notFound", "Resource not found", f"nothing at {path[:200]}")


def _allow(request: ApiRequest, *methods: str) -> None:
    if request.method not in methods:
        raise TmfError(
            405,
            "methodNotAllowed",
            "Method not allowed",
            f"{request.method} is not offered here (only {', '.join(methods)})",
            headers={"Allow": ", ".join(methods)},
        )


# --- authentication ------------------------------------------------------------------------------
def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _issue_token(state: SimState, request: ApiRequest) -> Reply:
    challenge = {"WWW-Authenticate": 'Basic realm="tmf621-simulator"'}
    credentials = basic_credentials(request.headers.get("Authorization") or "")
    if credentials is None:
        raise TmfError(
            401,
            "missingCredentials",
            "No credentials provided",
            "the token endpoint takes HTTP Basic client credentials",
            headers=challenge,
        )
    with state.lock:
        config = state.config
        known = _same(credentials[0], config.client_id) & _same(
            credentials[1], config.client_secret
        )
    if not known:
        raise TmfError(
            401,
            "invalidCredentials",
            "Provided credentials are invalid or expired",
            "unknown client id or wrong secret",
            headers=challenge,
        )
    media = request.content_type.partition(";")[0].strip().lower()
    grant = parse_qs(request.body.decode("utf-8", errors="replace")).get("grant_type", [""])
    if media != FORM or grant != ["client_credentials"]:
        raise TmfError(
            400,
            "invalidBody",
            "The request has an invalid body",
            f"expected a {FORM} body grant_type=client_credentials",
        )
    with state.lock:
        ttl = state.config.token_ttl
        token = state.tokens.issue(ttl)
    payload = {"access_token": token.value, "token_type": "Bearer", "expires_in": expires_in(ttl)}
    return Reply(200, payload, {"Cache-Control": "no-store", "Pragma": "no-cache"})


def _authorize(state: SimState, request: ApiRequest) -> None:
    header = request.headers.get("Authorization") or ""
    token = bearer_token(header)
    with state.lock:
        valid = token is not None and state.tokens.is_valid(token)
    if valid:
        return
    challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    if not header:
        raise TmfError(
            401,
            "missingCredentials",
            "No credentials provided",
            f"every API call needs Authorization: Bearer <token> (from {TOKEN_PATH})",
            headers=challenge,
        )
    raise TmfError(
        401,
        "invalidCredentials",
        "Provided credentials are invalid or expired",
        "the access token is unknown or has expired; get a new one",
        headers=challenge,
    )


# --- trouble tickets -----------------------------------------------------------------------------
def _digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()


def _service_id(body: dict[str, Any]) -> str:
    """The service a ticket is about: its affected service's id, else its first related
    entity's."""
    entities = body.get("relatedEntity")
    if not isinstance(entities, list):
        return ""
    items = [item for item in entities if isinstance(item, dict)]
    affected = [item for item in items if str(item.get("role", "")).lower() == "affectedservice"]
    service = (affected or items or [{}])[0].get("id")
    return service if isinstance(service, str) else ""


def _unavailable(state: SimState, scenario: Scenario, key: str) -> None:
    if scenario is not Scenario.UNAVAILABLE:
        return
    number = state.take_unavailable(key)
    if number is not None:
        raise TmfError(
            503,
            "serviceUnavailable",
            "Service temporarily unavailable",
            f"simulated for this ticket (SIM-503-): answer {number} of "
            f"{state.config.unavailable_count}",
            headers={"Retry-After": "1"},
        )


def _by_external_id(state: SimState, external_id: Any) -> SimTicket | None:
    if not isinstance(external_id, str) or not external_id:
        return None
    found = [t for t in state.tickets.values() if t.external_id == external_id]
    return max(found, key=lambda ticket: ticket.sequence) if found else None


def _create(life: Lifecycle, request: ApiRequest) -> Reply:
    state = life.state
    body = json_object(request.content_type, request.body)
    service = _service_id(body)
    external_id = body.get("externalId")
    with state.lock:
        scenario = scenario_for(service, state.config.scenario)
        key = external_id if isinstance(external_id, str) and external_id else service
        _unavailable(state, scenario, key)
        check_create(body)
        digest = _digest(body)
        existing = _by_external_id(state, external_id)
        if existing is not None and existing.create_digest == digest:
            return Reply(201, selected(existing.document, None), ticket_id=existing.id)
        if existing is not None and existing.status not in TERMINAL:
            raise TmfError(
                409,
                "conflict",
                "A ticket with this externalId is open",
                f"externalId {external_id!r} is ticket {existing.id} ({existing.status})",
            )
        if scenario is Scenario.REJECT:
            raise TmfError(
                400,
                "invalidBody",
                "Ticket rejected",
                f"relatedEntity.id: {service!r} is not a service we provide to this buyer",
            )
        ticket = life.open_ticket(body, scenario=scenario, digest=digest, unavailable_key=key)
        reply = Reply(
            201,
            selected(ticket.document, None),
            {"Location": ticket.document["href"]},
            ticket_id=ticket.id,
        )
    reply.after.append(partial(life.start, ticket.id, ticket.epoch))
    return reply


def _ticket(state: SimState, ticket_id: str) -> SimTicket:
    ticket = state.tickets.get(ticket_id)
    if ticket is None:
        raise TmfError(404, "notFound", "Trouble ticket not found", f"no ticket {ticket_id[:60]!r}")
    _unavailable(state, Scenario(ticket.scenario), ticket.unavailable_key)
    return ticket


def _retrieve(state: SimState, request: ApiRequest, ticket_id: str) -> Reply:
    fields = parse_fields(parse_qs(request.query).get("fields", []))
    with state.lock:
        ticket = _ticket(state, ticket_id)
        return Reply(200, selected(ticket.document, fields), ticket_id=ticket.id)


def _patch(life: Lifecycle, request: ApiRequest, ticket_id: str) -> Reply:
    state = life.state
    with state.lock:
        ticket = _ticket(state, ticket_id)
    body = json_object(request.content_type, request.body, patch=True)
    digest = _digest(body)
    with state.lock:
        if digest == ticket.last_patch_digest:  # a retry of the last PATCH: answered, not applied
            return Reply(200, selected(ticket.document, None), ticket_id=ticket.id)
        check_update(body)
        check_buyer_change(ticket.id, ticket.status, body)
        answered = threading.Event()  # the events this PATCH causes wait for its answer
        life.buyer_update(ticket, body, hold=answered)
        ticket.last_patch_digest = digest
        reply = Reply(200, selected(ticket.document, None), ticket_id=ticket.id)
    reply.after.append(answered.set)
    return reply


def _list(state: SimState, request: ApiRequest) -> Reply:
    with state.lock:
        query = parse_query(request.query, page_limit=state.config.page_limit)
        tickets = sorted(state.tickets.values(), key=lambda ticket: ticket.sequence)
        page, total = query.page(ticket.document for ticket in tickets)
        payload = [selected(document, query.fields) for document in page]
    headers = {"X-Total-Count": str(total), "X-Result-Count": str(len(payload))}
    return Reply(200, payload, headers)


# --- listeners -----------------------------------------------------------------------------------
def _register(state: SimState, request: ApiRequest) -> Reply:
    body = json_object(request.content_type, request.body)
    wanted = check_hub(body)
    callback, query = body["callback"], body.get("query", "")
    with state.lock:
        for hub in state.hubs.values():
            if hub.callback == callback and hub.query == query:  # registered already
                return Reply(201, hub.as_json())
        hub = Subscription(
            id=state.new_event_id(),
            callback=callback,
            query=query,
            event_types=wanted,
            created_at=utc_now(),
        )
        state.hubs[hub.id] = hub
        state.hub_registered = True
        location = f"{state.api_url}/hub/{hub.id}"
    logger.info("   listener %s registered: %s", hub.id, callback)
    return Reply(201, hub.as_json(), {"Location": location})


def _unregister(state: SimState, hub_id: str) -> Reply:
    with state.lock:
        hub = state.hubs.pop(hub_id, None)
    if hub is None:
        raise TmfError(404, "notFound", "Listener not found", f"no listener {hub_id[:60]!r}")
    logger.info("   listener %s removed: %s", hub.id, hub.callback)
    return Reply(204)


# --- the record ----------------------------------------------------------------------------------
def _record(state: SimState, request: ApiRequest, reply: Reply) -> None:
    status = reply.payload.get("status") if isinstance(reply.payload, dict) else None
    entry = {
        "at": utc_now().isoformat(),
        "method": request.method,
        "path": request.path,
        "query": request.query,
        "http_status": reply.status,
        "ticket_id": reply.ticket_id,
        "ticket_status": status if reply.status < 400 else None,
        "error": reply.error,
        "body": request.body.decode("utf-8", errors="replace")[:RECORDED_BODY_CHARS],
    }
    with state.lock:
        state.received.append(entry)
    logger.info(
        "<- %s %s%s -> %s%s%s",
        request.method,
        request.path,
        f"?{request.query}" if request.query else "",
        reply.status,
        f" {reply.ticket_id}" if reply.ticket_id else "",
        f" {reply.error}" if reply.error else (f" {status}" if status else ""),
    )
