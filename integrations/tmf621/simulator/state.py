"""The simulator's memory: its configuration, the tickets it holds, the listeners registered
with `POST /hub`, its access tokens, every request it received and every event it sent. One lock
guards all of it; `SimState.snapshot` is the JSON view `GET /_sim/state` returns.
"""

import copy
import itertools
import random
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from integrations.simulation import settings
from integrations.simulation.settings import ConfigError, number, scenario_setting
from integrations.tmf621.simulator.scenarios import Scenario, Step
from integrations.tmf621.simulator.tokens import TokenStore

__all__ = [
    "CONFIG_KEYS",
    "CREATE_STATUSES",
    "SentEvent",
    "SimConfig",
    "SimState",
    "SimTicket",
    "Subscription",
    "configured",
    "is_callback_url",
    "utc_now",
]

# A long demo run must not grow without bound: the oldest records are dropped past this.
HISTORY_LIMIT = 5000
# What the 201 of a POST says: MEF 124's `acknowledged`, or seed 002's `submitted` (received,
# not yet acknowledged: an `acknowledged` status change follows).
CREATE_STATUSES = ("acknowledged", "submitted")


def utc_now() -> datetime:
    return datetime.now(UTC)


def is_callback_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


@dataclass
class SimConfig:
    """What the command line sets, and a test can change while the simulator runs."""

    client_id: str
    client_secret: str
    listener_token: str
    callback: str = ""  # where events go until a listener registers with POST /hub
    scenario: str = Scenario.HAPPY.value
    step_delay: float = 5.0
    token_ttl: float = 3600.0
    unavailable_count: int = 2  # 503s for a SIM-503- ticket's first calls
    auto_close_after: float = 172800.0  # a resolved ticket without an answer closes (48 h)
    page_limit: int = 100  # the most tickets one GET /troubleTicket returns
    create_status: str = CREATE_STATUSES[0]

    def as_json(self) -> dict[str, Any]:
        """The settings, without the secrets."""
        return {
            "client_id": self.client_id,
            "callback": self.callback,
            "scenario": self.scenario,
            "step_delay": self.step_delay,
            "token_ttl": self.token_ttl,
            "unavailable_count": self.unavailable_count,
            "auto_close_after": self.auto_close_after,
            "page_limit": self.page_limit,
            "create_status": self.create_status,
        }


CONFIG_KEYS = frozenset(
    {
        "callback",
        "listener_token",
        "scenario",
        "step_delay",
        "token_ttl",
        "unavailable_count",
        "auto_close_after",
        "page_limit",
        "create_status",
    }
)


@dataclass
class SimTicket:
    """A ticket as the supplier holds it; `document` is the ticket as v4 shows it (a GET, an
    event). The rest is the supplier's own bookkeeping."""

    id: str
    sequence: int  # creation order: how lists are sorted
    scenario: str
    document: dict[str, Any]
    create_digest: str  # the POST it was made from: a repeated POST is answered, not applied
    unavailable_key: str  # whose count of SIM-503- answers this ticket's calls use
    epoch: int  # renewed when the plan changes; timers of an older epoch lapse
    last_update: datetime
    last_patch_digest: str = ""  # a PATCH repeated byte for byte is answered, not applied
    resume: tuple[Step, ...] = ()  # the plan left once the buyer answers a `pending`
    notes_added: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.document["status"]

    @property
    def external_id(self) -> str:
        return self.document.get("externalId", "")

    def as_json(self) -> dict[str, Any]:
        return {
            "ticket": copy.deepcopy(self.document),
            "scenario": self.scenario,
            "waiting_for_buyer": bool(self.resume),
            "history": [dict(entry) for entry in self.history],
        }


@dataclass
class Subscription:
    """A listener registered with POST /hub; `event_types` None: every event."""

    id: str
    callback: str
    query: str
    event_types: frozenset[str] | None
    created_at: datetime

    def wants(self, event_type: str) -> bool:
        return self.event_types is None or event_type in self.event_types

    def as_json(self) -> dict[str, Any]:
        answer = {"id": self.id, "callback": self.callback}
        if self.query:
            answer["query"] = self.query
        return answer


@dataclass
class SentEvent:
    """One event for one listener, and what the listener answered to each attempt."""

    event_id: str
    event_type: str
    ticket_id: str
    status: str
    callback: str  # the listener's registered callback; "" when none was: recorded, never sent
    url: str  # where it is posted: the callback's /listener/<eventType>
    id_only: bool
    body: dict[str, Any]
    created_at: datetime
    schema_errors: list[str] = field(default_factory=list)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    delivered: bool = False
    done: bool = False  # delivered, refused for good, given up on, or never sent
    outcome: str = ""

    def as_json(self) -> dict[str, Any]:
        last = self.attempts[-1] if self.attempts else {}
        return {
            "event_id": self.event_id,
            "event_type": self.event_type,
            "ticket_id": self.ticket_id,
            "status": self.status,
            "callback": self.callback,
            "url": self.url,
            "id_only": self.id_only,
            "created_at": self.created_at.isoformat(),
            "http_status": last.get("http_status"),
            "attempts": [dict(attempt) for attempt in self.attempts],
            "delivered": self.delivered,
            "done": self.done,
            "outcome": self.outcome,
            "schema_errors": list(self.schema_errors),
            "body": copy.deepcopy(self.body),
        }


class SimState:
    """Everything the simulator remembers. Callers hold `lock` while they read or change it."""

    def __init__(self, config: SimConfig) -> None:
        self.lock = threading.RLock()
        self.initial_config = config
        self.config = copy.copy(config)
        self.api_url = ""  # the API's base URL, known once the server listens
        self.tickets: dict[str, SimTicket] = {}
        self.hubs: dict[str, Subscription] = {}
        self.hub_registered = False  # once one has been, the --callback is no longer used
        self.tokens = TokenStore()
        self.received: deque[dict[str, Any]] = deque(maxlen=HISTORY_LIMIT)
        self.sent: deque[SentEvent] = deque(maxlen=HISTORY_LIMIT)
        self.unavailable_answers: dict[str, int] = {}
        self._ticket_ids: set[str] = set()
        self._random = random.Random()
        self._sequence = itertools.count(1)
        self._epochs = itertools.count(1)

    def reset(self) -> None:
        """Forget every ticket, listener, token and record; back to the starting settings."""
        with self.lock:
            self.config = copy.copy(self.initial_config)
            self.tickets.clear()
            self.hubs.clear()
            self.hub_registered = False
            self.tokens.clear()
            self.received.clear()
            self.sent.clear()
            self.unavailable_answers.clear()

    def new_ticket_id(self) -> str:
        """`TT-` and eight digits, never one this process has issued (so a restarted demo's
        tickets are unlikely to meet an old one's id either)."""
        with self.lock:
            while True:
                ticket_id = f"TT-{self._random.randrange(10**7, 10**8)}"
                if ticket_id not in self._ticket_ids:
                    self._ticket_ids.add(ticket_id)
                    return ticket_id

    def next_sequence(self) -> int:
        with self.lock:
            return next(self._sequence)

    def new_epoch(self) -> int:
        with self.lock:
            return next(self._epochs)

    @staticmethod
    def new_event_id() -> str:
        return str(uuid.uuid4())

    def listeners(self, event_type: str) -> list[str]:
        """The callbacks an event of this type goes to: the registered listeners that want it,
        else, until one has registered, the --callback."""
        with self.lock:
            if self.hub_registered:
                return sorted({h.callback for h in self.hubs.values() if h.wants(event_type)})
            return [self.config.callback] if self.config.callback else []

    def take_unavailable(self, key: str) -> int | None:
        """For a SIM-503- ticket: the number of this 503 (1…N), or None once N were answered."""
        with self.lock:
            answered = self.unavailable_answers.get(key, 0)
            if answered >= self.config.unavailable_count:
                return None
            self.unavailable_answers[key] = answered + 1
            return answered + 1

    def configure(self, values: dict[str, Any]) -> SimConfig:
        """Apply control-API settings (checked first: nothing changes on an error).
        `expire_tokens: true` ends every token issued so far."""
        values = dict(values)
        expire = values.pop("expire_tokens", False)
        if not isinstance(expire, bool):
            raise ConfigError("expire_tokens: expected true or false")
        with self.lock:
            config = configured(self.config, values)
            if config.token_ttl < self.config.token_ttl:
                self.tokens.shorten(config.token_ttl)
            if expire:
                self.tokens.expire_all()
            self.config = config
            return config

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "config": self.config.as_json(),
                "api_url": self.api_url,
                "tickets": {tid: ticket.as_json() for tid, ticket in self.tickets.items()},
                "hubs": [hub.as_json() for hub in self.hubs.values()],
                "tokens": self.tokens.summary(),
                "received": [dict(entry) for entry in self.received],
                "sent": [record.as_json() for record in self.sent],
            }


def configured(config: SimConfig, values: dict[str, Any]) -> SimConfig:
    """A copy of `config` with control-API settings applied; `config` is left as it was.
    Raises ConfigError for an unknown setting or a value that cannot be used."""
    return settings.configured(config, values, keys=CONFIG_KEYS, apply=_apply_setting)


def _apply_setting(config: SimConfig, key: str, value: Any) -> None:
    if key == "scenario":
        config.scenario = scenario_setting(Scenario.parse, value)
    elif key == "callback":
        if value not in ("", None) and not is_callback_url(value):
            raise ConfigError("callback: expected an http(s) URL")
        config.callback = value or ""
    elif key == "listener_token":
        if not isinstance(value, str) or not value:
            raise ConfigError("listener_token: expected a non-empty string")
        config.listener_token = value
    elif key == "create_status":
        if value not in CREATE_STATUSES:
            raise ConfigError(f"create_status: one of {', '.join(CREATE_STATUSES)}")
        config.create_status = value
    elif key == "unavailable_count":
        config.unavailable_count = int(number(key, value))
    elif key == "page_limit":
        config.page_limit = int(number(key, value, minimum=1))
    else:  # step_delay, token_ttl, auto_close_after
        setattr(config, key, number(key, value))
