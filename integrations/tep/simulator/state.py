"""The simulator's memory: its configuration and clock, the ticket conversations, the ticket
messages and receipts waiting for us, the attachments posted, the SystemTransactionIDs taken, the
last poll of each caller, and every call received and delivery made. One lock guards all of it;
`SimState.snapshot` is the JSON view `GET /_sim/state` returns.
"""

import copy
import itertools
import random
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from integrations.simulation import settings
from integrations.simulation.settings import ConfigError, number, scenario_setting
from integrations.tep.simulator.clock import SimClock, parse_instant
from integrations.tep.simulator.scenarios import Scenario

__all__ = [
    "CONFIG_KEYS",
    "DELIVERY_MODES",
    "OutgoingMessage",
    "OutgoingReceipt",
    "SimConfig",
    "SimState",
    "SimTicket",
    "configured",
]

HISTORY_LIMIT = 5000  # a long demo run must not grow without bound
DELIVERY_MODES = ("polling", "hosted")
MAX_RECEIPTS_PER_CALL = 20  # the seed: GetReceipt returns at most 20


@dataclass
class SimConfig:
    """What the command line sets, and a test can change while the simulator runs."""

    delivery_mode: str = "polling"
    partner_ticket_url: str = ""  # our hosted TicketService (PostTicket, PostReceipt)
    partner_attachment_url: str = ""  # our hosted AttachmentService (PostAttachment)
    scenario: str = Scenario.HAPPY.value  # for tickets whose service id names none
    step_delay: float = 5.0  # seconds between the supplier's steps
    receipt_delay: float = 0.0  # seconds before a posted ticket's receipt is ready
    poll_interval: float = 60.0  # the least time between two GetTicket (GetReceipt) calls
    locked_count: int = 2  # 1100 answers for a SIM-LOCKED ticket's first calls
    # Partner ids and names TEP supplies (ours: the caller; theirs: the supplier behind TEP).
    our_partner_id: int = 1001
    our_partner_name: str = "NOC"
    supplier_partner_id: int = 2002
    supplier_partner_name: str = "TEP Demo Supplier"
    conversation_role_id: int = 10

    def as_json(self) -> dict[str, Any]:
        return {
            "delivery_mode": self.delivery_mode,
            "partner_ticket_url": self.partner_ticket_url,
            "partner_attachment_url": self.partner_attachment_url,
            "scenario": self.scenario,
            "step_delay": self.step_delay,
            "receipt_delay": self.receipt_delay,
            "poll_interval": self.poll_interval,
            "locked_count": self.locked_count,
            "our_partner_id": self.our_partner_id,
            "our_partner_name": self.our_partner_name,
            "supplier_partner_id": self.supplier_partner_id,
            "supplier_partner_name": self.supplier_partner_name,
            "conversation_role_id": self.conversation_role_id,
        }


CONFIG_KEYS = frozenset(SimConfig.__dataclass_fields__)


def _is_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


@dataclass
class SimTicket:
    """One conversation between us and the supplier: a ticket we raised (`opened_by` "us"), or an
    incident the supplier opened (`opened_by` "partner")."""

    key: str  # the supplier's reference: the conversation's key here
    opened_by: str
    scenario: str
    our_reference: str  # "" for an incident until we report or answer our reference
    supplier_reference: str
    status: str  # the supplier's status, as its status detail says it
    details: dict[str, str]
    epoch: int = 0  # renewed when the plan changes; timers of an older epoch lapse
    purged: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "opened_by": self.opened_by,
            "scenario": self.scenario,
            "our_reference": self.our_reference,
            "supplier_reference": self.supplier_reference,
            "status": self.status,
            "details": dict(self.details),
            "purged": self.purged,
            "history": [dict(entry) for entry in self.history],
        }


@dataclass
class OutgoingMessage:
    """A ticket message from the supplier, through TEP, to us: waiting for GetTicket (polling) or
    posted to our PostTicket (hosted)."""

    message_id: int
    ticket_key: str
    message_type: str
    status: str
    ticket: dict[str, Any]  # the Ticket as `tickets.ticket_element` builds it
    created_at: datetime
    schema_errors: list[str] = field(default_factory=list)
    returned: int = 0  # how many times GetTicket returned it
    reported: str = ""  # the last ProcessingStatus we reported
    done: bool = False  # reported (but Unavailable), or delivered / refused for good (hosted)
    attempts: list[dict[str, Any]] = field(default_factory=list)  # hosted deliveries
    outcome: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "ticket_key": self.ticket_key,
            "message_type": self.message_type,
            "status": self.status,
            "ticket": copy.deepcopy(self.ticket),
            "created_at": self.created_at.isoformat(),
            "schema_errors": list(self.schema_errors),
            "returned": self.returned,
            "reported": self.reported,
            "done": self.done,
            "attempts": [dict(attempt) for attempt in self.attempts],
            "outcome": self.outcome,
        }


@dataclass
class OutgoingReceipt:
    """A receipt for a ticket message we posted: taken by GetReceipt or posted to PostReceipt."""

    number: int
    status: str
    tracking_reference: str
    interaction_id: int
    system_transaction_id: str
    created_at: datetime
    status_message: str = ""
    our_reference: str = ""  # the ticket the message was about (Sender.TicketReference)
    supplier_reference: str = ""
    ready_at: datetime | None = None  # not handed out before (receipt_delay)
    done: bool = False
    attempts: list[dict[str, Any]] = field(default_factory=list)
    outcome: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "status": self.status,
            "status_message": self.status_message,
            "our_reference": self.our_reference,
            "supplier_reference": self.supplier_reference,
            "tracking_reference": self.tracking_reference,
            "interaction_id": self.interaction_id,
            "system_transaction_id": self.system_transaction_id,
            "created_at": self.created_at.isoformat(),
            "done": self.done,
            "attempts": [dict(attempt) for attempt in self.attempts],
            "outcome": self.outcome,
        }


class SimState:
    """Everything the simulator remembers. Callers hold `lock` while they read or change it."""

    def __init__(self, config: SimConfig) -> None:
        self.lock = threading.RLock()
        self.clock = SimClock()
        self.initial_config = config
        self.config = copy.copy(config)
        self.base_url = ""  # known once the server listens
        self._random = random.Random()
        self._clear()

    def _clear(self) -> None:
        self.tickets: dict[str, SimTicket] = {}
        self.by_our_reference: dict[str, str] = {}  # our reference → the ticket's key
        self.messages: deque[OutgoingMessage] = deque(maxlen=HISTORY_LIMIT)
        self.receipts: deque[OutgoingReceipt] = deque(maxlen=HISTORY_LIMIT)
        self.attachments: dict[str, dict[str, Any]] = {}  # id → filename, mime type, payload
        self.transactions: dict[str, dict[str, Any]] = {}  # SystemTransactionID → digest, answer
        self.last_polls: dict[tuple[str, str], datetime] = {}  # (caller, operation) → when
        self.locked_answers: dict[str, int] = {}
        self.calls: deque[dict[str, Any]] = deque(maxlen=HISTORY_LIMIT)
        self._message_ids = itertools.count(self._random.randrange(10**6, 10**7))
        self._interaction_ids = itertools.count(self._random.randrange(10**8, 10**9))
        self._receipt_numbers = itertools.count(1)
        self._epochs = itertools.count(1)

    def reset(self) -> None:
        """Forget every conversation, message, receipt and call; back to the starting settings
        and the real time."""
        with self.lock:
            self.config = copy.copy(self.initial_config)
            self.clock.reset()
            self._clear()

    def now(self) -> datetime:
        return self.clock.now()

    def next_message_id(self) -> int:
        with self.lock:
            return next(self._message_ids)

    def next_interaction_id(self) -> int:
        with self.lock:
            return next(self._interaction_ids)

    def next_receipt_number(self) -> int:
        with self.lock:
            return next(self._receipt_numbers)

    def new_epoch(self) -> int:
        with self.lock:
            return next(self._epochs)

    def new_supplier_reference(self, prefix: str = "SUP") -> str:
        with self.lock:
            while True:
                reference = f"{prefix}-{self._random.randrange(10**7, 10**8)}"
                if reference not in self.tickets:
                    return reference

    def take_locked(self, key: str) -> int | None:
        """For a SIM-LOCKED ticket: the number of this 1100 answer (1…N), None once N were given."""
        with self.lock:
            answered = self.locked_answers.get(key, 0)
            if answered >= self.config.locked_count:
                return None
            self.locked_answers[key] = answered + 1
            return answered + 1

    def record_call(self, **entry: Any) -> None:
        with self.lock:
            self.calls.append({"at": self.now().isoformat(), **entry})

    def configure(self, values: dict[str, Any]) -> SimConfig:
        """Apply control-API settings (checked first: nothing changes on an error). Besides the
        settings, `clock` (an ISO instant: the clock stands still there; null: the real time
        again) and `advance_clock` (seconds) move the simulator's clock."""
        values = dict(values)
        clock_given = "clock" in values
        clock = values.pop("clock", None)
        advance = values.pop("advance_clock", None)
        instant = None
        if clock is not None:
            try:
                instant = parse_instant(clock)
            except (TypeError, ValueError):
                raise ConfigError("clock: expected an ISO 8601 instant or null") from None
        seconds = number("advance_clock", advance, minimum=0) if advance is not None else 0.0
        with self.lock:
            config = configured(self.config, values)
            if clock_given:
                self.clock.set(instant)
            if seconds:
                self.clock.advance(seconds)
            self.config = config
            return config

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "config": self.config.as_json(),
                "clock": self.clock.as_json(),
                "base_url": self.base_url,
                "tickets": {key: ticket.as_json() for key, ticket in self.tickets.items()},
                "messages": [message.as_json() for message in self.messages],
                "receipts": [receipt.as_json() for receipt in self.receipts],
                "attachments": {
                    key: {"filename": item["filename"], "size": len(item["payload"])}
                    for key, item in self.attachments.items()
                },
                "calls": [dict(call) for call in self.calls],
            }


def configured(config: SimConfig, values: dict[str, Any]) -> SimConfig:
    """A copy of `config` with control-API settings applied; `config` is left as it was.
    Raises ConfigError for an unknown setting or a value that cannot be used."""
    return settings.configured(config, values, keys=CONFIG_KEYS, apply=_apply_setting)


def _apply_setting(config: SimConfig, key: str, value: Any) -> None:
    if key == "scenario":
        config.scenario = scenario_setting(Scenario.parse, value)
    elif key == "delivery_mode":
        if value not in DELIVERY_MODES:
            raise ConfigError(f"delivery_mode: one of {', '.join(DELIVERY_MODES)}")
        config.delivery_mode = value
    elif key in ("partner_ticket_url", "partner_attachment_url"):
        if value not in ("", None) and not _is_url(value):
            raise ConfigError(f"{key}: expected an http(s) URL")
        setattr(config, key, value or "")
    elif key in ("our_partner_name", "supplier_partner_name"):
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{key}: expected a non-empty string")
        setattr(config, key, value)
    elif key in ("locked_count", "our_partner_id", "supplier_partner_id", "conversation_role_id"):
        setattr(config, key, int(number(key, value)))
    else:  # step_delay, receipt_delay, poll_interval
        setattr(config, key, number(key, value))
