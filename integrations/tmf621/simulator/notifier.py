"""Posting events to the buyer's listener: `POST <callback>/listener/<eventType>`, JSON, with
`Authorization: Bearer <listener token>` (the buyer's inbound authentication).

One lane per ticket and listener (`integrations.simulation.lanes`): a ticket's events leave in the
order they were written, and an event that fails (no answer, 5xx, 408, 429: the buyer may be
restarting) is retried with backoff while the ticket's later events wait behind it, so they are
never reordered; other tickets' lanes go on. A 2xx is delivered (v4's listener answers 201, seed
002's 200); any other 4xx is a refusal for good (the lane moves on). An event caused by a request
waits until that request's answer has been sent (`hold`).
"""

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import requests

from integrations.simulation.lanes import HOLD_TIMEOUT, DeliveryLanes, http_session, retrying
from integrations.tmf621.simulator.state import SentEvent, SimState, utc_now

__all__ = ["EventNotifier", "Outgoing"]

logger = logging.getLogger("integrations.tmf621.simulator")
RETRIED_STATUSES = frozenset({408, 429})


@dataclass
class Outgoing:
    record: SentEvent
    hold: threading.Event | None = None


def settles(status: int | None) -> bool:
    """Whether an answer ends the attempts: delivered, or refused in a way a retry cannot fix."""
    return not (status is None or status >= 500 or status in RETRIED_STATUSES)


class EventNotifier:
    def __init__(
        self,
        *,
        state: SimState,
        ca_cert_path: Path | None = None,
        attempts: int = 20,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        timeout: tuple[float, float] = (3.0, 10.0),
        workers: int = 8,
    ) -> None:
        self.state = state
        self.ca_cert_path = ca_cert_path
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self._lanes: DeliveryLanes[Outgoing] = DeliveryLanes(self._deliver, workers=workers)

    def enqueue(self, outgoing: Outgoing) -> None:
        record = outgoing.record
        # One lane per ticket and listener, whatever the event type (each type has its own URL).
        self._lanes.enqueue(f"{record.callback} {record.ticket_id}", outgoing)

    def clear(self) -> None:
        self._lanes.clear()

    def close(self) -> None:
        self._lanes.close()

    def _deliver(self, outgoing: Outgoing) -> None:
        record = outgoing.record
        if outgoing.hold is not None:
            outgoing.hold.wait(HOLD_TIMEOUT)
        body = json.dumps(record.body, ensure_ascii=False).encode("utf-8")

        def attempt(number: int) -> bool:
            status, error = self._post(record.url, body)
            with self.state.lock:
                record.attempts.append(
                    {"at": utc_now().isoformat(), "http_status": status, "error": error}
                )
                record.delivered = status is not None and 200 <= status < 300
            logger.info(
                "-> %s %s %s %s -> %s%s (attempt %d/%d)",
                record.event_type,
                record.ticket_id,
                record.status,
                record.event_id,
                status if status is not None else "no answer",
                f" {error}" if error else "",
                number,
                self.attempts,
            )
            return settles(status)

        retrying(
            attempt,
            attempts=self.attempts,
            backoff=self.backoff,
            max_backoff=self.max_backoff,
            stopping=self._lanes.stopping,
        )
        with self.state.lock:
            record.done = True
            last = record.attempts[-1]["http_status"] if record.attempts else None
            if record.delivered:
                record.outcome = "delivered"
            elif settles(last):
                record.outcome = f"refused ({last})"
            else:
                record.outcome = "given up"
        if not record.delivered:
            logger.warning("event %s not delivered: %s", record.event_id, record.outcome)

    def _post(self, url: str, body: bytes) -> tuple[int | None, str]:
        with self.state.lock:
            token = self.state.config.listener_token
        headers = {
            "Content-Type": "application/json;charset=utf-8",
            "Accept": "application/json",
            "Authorization": f"Bearer {token}",
        }
        try:
            with http_session(url, ca_cert_path=self.ca_cert_path) as session:
                response = session.post(
                    url, data=body, headers=headers, timeout=self.timeout, allow_redirects=False
                )
                return response.status_code, "" if response.ok else response.text[:300]
        except requests.RequestException as exc:
            return None, f"{type(exc).__name__}: {exc}"[:300]
