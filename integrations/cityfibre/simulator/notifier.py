"""Delivering the simulator's notifications to our webhook, as the supplier would through our TLS
proxy: SOAP-wrapped, with the headers the proxy's mutual-TLS site adds (`X-SSL-Client-Cert`
carrying the supplier's client certificate the way nginx passes it on, `X-Forwarded-For` naming
the caller, `X-Partner-Proxy-Secret` proving the site; `integrations.security.proxy_headers`).

One lane per fault (`integrations.simulation.lanes`): its notifications leave in the order they
were written, each retried with exponential backoff until our endpoint answers 200 (or the
attempts run out), while other faults' lanes go on. A notification written while its trigger is
still being answered waits for the answer to be sent (`hold`), so our side never hears of a change
before the reply that caused it.
"""

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import requests

from integrations.cityfibre.simulator.state import SentRecord, SimState, utc_now
from integrations.security import proxy_headers
from integrations.simulation.lanes import HOLD_TIMEOUT, DeliveryLanes, http_session, retrying
from integrations.simulation.tls import Identity

__all__ = ["Notifier", "Outgoing"]

logger = logging.getLogger("integrations.cityfibre.simulator")


@dataclass
class Outgoing:
    record: SentRecord
    body: bytes
    hold: threading.Event | None = None


class Notifier:
    def __init__(
        self,
        *,
        state: SimState,
        identity: Identity | None = None,
        ca_cert_path: Path | None = None,
        forwarded_for: str = "127.0.0.1",
        proxy_secret: str = "",
        attempts: int = 5,
        backoff: float = 1.0,
        timeout: tuple[float, float] = (3.0, 10.0),
        workers: int = 8,
    ) -> None:
        self.state = state
        self.identity = identity
        self.ca_cert_path = ca_cert_path
        self.forwarded_for = forwarded_for
        self.proxy_secret = proxy_secret
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.timeout = timeout
        self._lanes = DeliveryLanes(self._deliver, workers=workers)

    def enqueue(self, key: str, outgoing: Outgoing) -> None:
        self._lanes.enqueue(key, outgoing)

    def clear(self) -> None:
        """Drop what is queued (a notification already on its way finishes)."""
        self._lanes.clear()

    def close(self) -> None:
        self._lanes.close()

    def _headers(self) -> dict[str, str]:
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": '"notifyFaultReportUpdate"',
            **proxy_headers(
                escaped_cert=self.identity.proxy_header if self.identity is not None else "",
                forwarded_for=self.forwarded_for,
                secret=self.proxy_secret,
            ),
        }
        return {name: value for name, value in headers.items() if value}

    def _deliver(self, outgoing: Outgoing) -> None:
        record = outgoing.record
        if outgoing.hold is not None:
            outgoing.hold.wait(HOLD_TIMEOUT)

        def attempt(number: int) -> bool:
            with self.state.lock:
                url = self.state.config.notify_url
            status, error = self._attempt(url, outgoing.body)
            with self.state.lock:
                record.attempts.append(
                    {"at": utc_now().isoformat(), "http_status": status, "error": error}
                )
                record.delivered = status == 200
            logger.info(
                "-> notify %s %s %s -> %s%s (attempt %d/%d)",
                record.buyer_fault_reference,
                record.status,
                record.message_id,
                status if status is not None else "no answer",
                f" {error}" if error else "",
                number,
                self.attempts,
            )
            return status == 200

        retrying(
            attempt, attempts=self.attempts, backoff=self.backoff, stopping=self._lanes.stopping
        )
        with self.state.lock:
            record.done = True
        if not record.delivered:
            logger.warning("gave up on notification %s", record.message_id)

    def _attempt(self, url: str, body: bytes) -> tuple[int | None, str]:
        try:
            with http_session(
                url, identity=self.identity, ca_cert_path=self.ca_cert_path
            ) as session:
                response = session.post(
                    url,
                    data=body,
                    headers=self._headers(),
                    timeout=self.timeout,
                    allow_redirects=False,
                )
                return response.status_code, ""
        except requests.RequestException as exc:
            return None, f"{type(exc).__name__}: {exc}"[:300]
