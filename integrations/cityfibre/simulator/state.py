"""The simulator's memory: its configuration, the faults it holds, the appointment reservations it
issued, every request it received and every notification it sent. One lock guards all of it;
`SimState.snapshot` is the JSON view that `GET /_sim/state` and `CityFibreSimulator.state()`
return.
"""

import itertools
import random
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from integrations.cityfibre.simulator.scenarios import Scenario
from integrations.cityfibre.simulator.slots import SimReservation
from integrations.simulation import settings
from integrations.simulation.settings import ConfigError, number, scenario_setting

__all__ = [
    "APPOINTMENT_SHAPES",
    "CONFIG_KEYS",
    "ConfigError",
    "SentRecord",
    "SimComment",
    "SimConfig",
    "SimFault",
    "SimState",
    "SimUpdate",
    "configured",
    "utc_now",
]

# A long demo run must not grow without bound: the oldest records are dropped past this.
HISTORY_LIMIT = 5000
# How appointment notifications are written: as the supplier's samples 26/28/30 do
# (`<appointments><appointment>`, which its XSD does not allow), or as its XSD allows (one
# `<appointment>`). Missed appointments are `faultDetails/missedAppointment` either way.
APPOINTMENT_SHAPES = frozenset({"samples", "xsd"})


def utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass
class SimConfig:
    """What a test or the command line can change while the simulator runs."""

    notify_url: str
    buyer_identifiers: set[str]
    scenario: str = "happy"
    step_delay: float = 5.0
    auto_close_after: float = 172800.0  # 48 hours (seed 001, step 13)
    unavailable_count: int = 2  # HTTP 503s answered to a `SIM-503-` raise before it is taken
    fail_next: int = 0  # answer this many of the next requests with `fail_status`
    fail_status: int = 503
    fail_until: float = 0.0  # time.monotonic() until which every request fails
    reservation_ttl: float = 1800.0  # seconds a reservation key stays valid
    appointment_shape: str = "samples"  # see APPOINTMENT_SHAPES

    def as_json(self) -> dict[str, Any]:
        return {
            "notify_url": self.notify_url,
            "buyer_identifiers": sorted(self.buyer_identifiers),
            "scenario": self.scenario,
            "step_delay": self.step_delay,
            "auto_close_after": self.auto_close_after,
            "unavailable_count": self.unavailable_count,
            "fail_next": self.fail_next,
            "fail_status": self.fail_status,
            "fail_for_seconds": round(max(0.0, self.fail_until - time.monotonic()), 3),
            "reservation_ttl": self.reservation_ttl,
            "appointment_shape": self.appointment_shape,
        }


CONFIG_KEYS = frozenset(
    {
        "notify_url",
        "buyer_identifiers",
        "scenario",
        "step_delay",
        "auto_close_after",
        "unavailable_count",
        "fail_next",
        "fail_status",
        "fail_for_seconds",
        "reservation_ttl",
        "appointment_shape",
    }
)


@dataclass(frozen=True)
class SimUpdate:
    description: str
    updated_by: str
    updated_time: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "updated_by": self.updated_by,
            "updated_time": _iso(self.updated_time),
        }


@dataclass(frozen=True)
class SimComment:
    value: str
    commented_by: str
    commented_time: datetime


@dataclass
class SimFault:
    """A fault as the supplier holds it. `report` is the addFaultReport element as received, with
    accepted amendments merged in: the basis of every full notification."""

    buyer_fault_reference: str
    buyer_identifier: str
    scenario: str
    report: etree._Element
    raise_message_id: str
    created_at: datetime
    status: str = "pending"
    status_reason: str = ""
    maintainer_fault_reference: str = ""
    updates: list[SimUpdate] = field(default_factory=list)
    comment: SimComment | None = None
    resolve_accepted: bool | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    # Renewed whenever the plan changes (cancel, resolution answer): timers of an older epoch lapse.
    # Epochs are unique across faults, so a timer never outlives a reset into a namesake fault.
    epoch: int = 0

    def text(self, path: str) -> str:
        return (self.report.findtext(path) or "").strip()

    def as_json(self) -> dict[str, Any]:
        comment = self.comment
        return {
            "buyer_fault_reference": self.buyer_fault_reference,
            "buyer_identifier": self.buyer_identifier,
            "service_affected": self.text("serviceAffected"),
            "fault_type": self.text("faultDetails/type"),
            "appointment_reservation_key": self.text("appointment/appointmentReservationKey"),
            "scenario": self.scenario,
            "status": self.status,
            "status_reason": self.status_reason,
            "maintainer_fault_reference": self.maintainer_fault_reference,
            "raise_message_id": self.raise_message_id,
            "created_at": _iso(self.created_at),
            "resolve_accepted": self.resolve_accepted,
            "updates": [update.as_json() for update in self.updates],
            "comment": None
            if comment is None
            else {
                "value": comment.value,
                "commented_by": comment.commented_by,
                "commented_time": _iso(comment.commented_time),
            },
            "history": [dict(entry) for entry in self.history],
        }


@dataclass
class SentRecord:
    """One notification and what our endpoint answered to each attempt at delivering it."""

    message_id: str
    buyer_fault_reference: str
    status: str
    body: str
    created_at: datetime
    attempts: list[dict[str, Any]] = field(default_factory=list)
    delivered: bool = False
    done: bool = False  # delivered, given up on, or dropped (silent scenario, stop)
    kind: str = "status"  # status, appointment or missed-appointment
    appointment: dict[str, Any] | None = None  # what an appointment notification said
    # How the notification deviates from the XSD: only ever the samples' `appointments` wrapper.
    xsd_deviations: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        last = self.attempts[-1] if self.attempts else {}
        return {
            "message_id": self.message_id,
            "buyer_fault_reference": self.buyer_fault_reference,
            "status": self.status,
            "created_at": _iso(self.created_at),
            "http_status": last.get("http_status"),
            "attempts": [dict(attempt) for attempt in self.attempts],
            "delivered": self.delivered,
            "done": self.done,
            "kind": self.kind,
            "appointment": None if self.appointment is None else dict(self.appointment),
            "xsd_deviations": list(self.xsd_deviations),
            "body": self.body,
        }


class SimState:
    """Everything the simulator remembers. Callers hold `lock` while they read or change it."""

    def __init__(self, config: SimConfig) -> None:
        self.lock = threading.RLock()
        self.initial_config = config
        self.config = _copy_config(config)
        self.faults: dict[str, SimFault] = {}
        self.reservations: dict[str, SimReservation] = {}
        self.received: deque[dict[str, Any]] = deque(maxlen=HISTORY_LIMIT)
        self.sent: deque[SentRecord] = deque(maxlen=HISTORY_LIMIT)
        # (operation, message id, body hash) -> (HTTP status, body): a repeated request is
        # answered again without being applied twice (our outbox retries byte-identical bodies).
        self.answered: dict[tuple[str, str, str], tuple[int, bytes]] = {}
        self.unavailable_answers: dict[str, int] = {}
        self._maintainer_references: set[str] = set()
        self._random = random.Random()
        self._epochs = itertools.count(1)

    def reset(self) -> None:
        """Forget every fault and record, and go back to the configuration it started with."""
        with self.lock:
            self.config = _copy_config(self.initial_config)
            self.faults.clear()
            self.reservations.clear()
            self.received.clear()
            self.sent.clear()
            self.answered.clear()
            self.unavailable_answers.clear()

    def remember_answer(self, key: tuple[str, str, str], answer: tuple[int, bytes]) -> None:
        with self.lock:
            self.answered[key] = answer
            while len(self.answered) > HISTORY_LIMIT:
                del self.answered[next(iter(self.answered))]

    def new_maintainer_reference(self) -> str:
        """`CS` and seven digits, like the supplier's samples (CS0005727, CS0140872)."""
        with self.lock:
            while True:
                reference = f"CS{self._random.randrange(10**7):07d}"
                if reference not in self._maintainer_references:
                    self._maintainer_references.add(reference)
                    return reference

    def new_epoch(self) -> int:
        with self.lock:
            return next(self._epochs)

    @staticmethod
    def new_message_id() -> str:
        return f"CF-{uuid.uuid4().hex}"  # 35 characters: within the XSD's 36

    def take_outage(self) -> int | None:
        """The status to answer when the outage switch is on (and count one failure off)."""
        with self.lock:
            config = self.config
            if config.fail_next > 0:
                config.fail_next -= 1
                return config.fail_status
            if time.monotonic() < config.fail_until:
                return config.fail_status
            return None

    def configure(self, values: dict[str, Any]) -> SimConfig:
        """Apply control-API style settings (validated first: nothing changes on an error)."""
        with self.lock:
            self.config = configured(self.config, values)
            return self.config

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            now = utc_now()
            faults = {}
            for reference, fault in self.faults.items():
                faults[reference] = held = fault.as_json()
                reservation = self.reservations.get(held["appointment_reservation_key"])
                held["appointment"] = reservation.as_json(now) if reservation else None
            return {
                "config": self.config.as_json(),
                "faults": faults,
                "reservations": {key: item.as_json(now) for key, item in self.reservations.items()},
                "received": [dict(entry) for entry in self.received],
                "sent": [record.as_json() for record in self.sent],
            }


def configured(config: SimConfig, values: dict[str, Any]) -> SimConfig:
    """A copy of `config` with control-API style settings applied; `config` is left as it was.
    Raises ConfigError for an unknown setting or a value that cannot be used."""
    return settings.configured(
        config, values, keys=CONFIG_KEYS, apply=_apply_setting, copy_config=_copy_config
    )


def _copy_config(config: SimConfig) -> SimConfig:
    return SimConfig(**{**config.__dict__, "buyer_identifiers": set(config.buyer_identifiers)})


def _apply_setting(config: SimConfig, key: str, value: Any) -> None:
    if key == "scenario":
        config.scenario = scenario_setting(Scenario.parse, value)
    elif key == "notify_url":
        if not isinstance(value, str) or not value.startswith(("http://", "https://")):
            raise ConfigError("notify_url: expected an http(s) URL")
        config.notify_url = value
    elif key == "buyer_identifiers":
        if isinstance(value, str) or not all(isinstance(item, str) for item in value or ()):
            raise ConfigError("buyer_identifiers: expected a list of strings")
        config.buyer_identifiers = set(value)
    elif key == "fail_status":
        status = int(number(key, value, minimum=100))
        if status > 599:
            raise ConfigError("fail_status: expected an HTTP status code")
        config.fail_status = status
    elif key == "fail_for_seconds":
        config.fail_until = time.monotonic() + number(key, value)
    elif key in ("fail_next", "unavailable_count"):
        setattr(config, key, int(number(key, value)))
    elif key == "appointment_shape":
        if value not in APPOINTMENT_SHAPES:
            raise ConfigError(f"appointment_shape: one of {', '.join(sorted(APPOINTMENT_SHAPES))}")
        config.appointment_shape = value
    else:  # step_delay, auto_close_after, reservation_ttl
        setattr(config, key, number(key, value))
