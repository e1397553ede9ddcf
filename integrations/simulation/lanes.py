"""Delivering a simulator's notifications: one lane per key (a fault, a ticket), so one key's
notifications leave in the order they were written while other keys' lanes go on; each retried
with exponential backoff until it settles or the attempts run out.

A notification written while its trigger is still being answered can wait for the answer to be
sent (`hold`, set by the server once it has written the answer), so our side never hears of a
change before the reply that caused it.
"""

import logging
import math
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Generic, TypeVar

import requests

from integrations.simulation.tls import Identity

__all__ = ["HOLD_TIMEOUT", "DeliveryLanes", "http_session", "retrying"]

logger = logging.getLogger("integrations.simulation")
HOLD_TIMEOUT = 5.0  # seconds a notification waits for the answer that triggered it
Item = TypeVar("Item")


class DeliveryLanes(Generic[Item]):
    """`enqueue(key, item)` hands `item` to `deliver` after every item queued before it under the
    same key has been delivered (or given up on)."""

    def __init__(self, deliver: Callable[[Item], None], *, workers: int = 8) -> None:
        self._deliver = deliver
        self._lanes: dict[str, deque[Item]] = {}
        self._active: set[str] = set()
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sim-notify")

    def enqueue(self, key: str, item: Item) -> None:
        with self._lock:
            if self.stopping.is_set():
                return
            self._lanes.setdefault(key, deque()).append(item)
            if key not in self._active:
                self._active.add(key)
                self._executor.submit(self._drain, key)

    def clear(self) -> None:
        """Drop what is queued (a notification already on its way finishes)."""
        with self._lock:
            for lane in self._lanes.values():
                lane.clear()

    def close(self) -> None:
        self.stopping.set()
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _drain(self, key: str) -> None:
        while True:
            with self._lock:
                lane = self._lanes.get(key)
                if not lane or self.stopping.is_set():
                    self._active.discard(key)
                    self._lanes.pop(key, None)
                    return
                item = lane.popleft()
            try:
                self._deliver(item)
            except Exception:  # a bug here must not stop the lane
                logger.exception("notification delivery failed")


def retrying(
    attempt: Callable[[int], bool],
    *,
    attempts: int,
    backoff: float,
    stopping: threading.Event,
    max_backoff: float = math.inf,
) -> None:
    """Call `attempt(number)` until it returns True (settled: delivered, or refused for good),
    `attempts` calls have been made, or `stopping` is set; waiting `backoff` seconds after the
    first failure, twice as long after each next one (at most `max_backoff`)."""
    delay = backoff
    for number in range(1, max(1, attempts) + 1):
        if stopping.is_set() or attempt(number) or number >= attempts:
            return
        if stopping.wait(delay):
            return
        delay = min(delay * 2, max_backoff)


def http_session(
    url: str, *, identity: Identity | None = None, ca_cert_path: Path | None = None
) -> requests.Session:
    """A session for one delivery to `url`: no proxies from the environment (loopback), and for
    HTTPS the demo CA to check the listener and `identity` as the client certificate."""
    session = requests.Session()
    session.trust_env = False
    if url.startswith("https://"):
        if identity is not None:
            session.cert = (str(identity.cert_path), str(identity.key_path))
        session.verify = str(ca_cert_path) if ca_cert_path else True
    return session
