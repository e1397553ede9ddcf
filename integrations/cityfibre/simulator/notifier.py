"""Delivering the simulator's notifications to our webhook, as the supplier would through our TLS
proxy: SOAP-wrapped, with the headers the proxy's mutual-TLS site adds (`X-SSL-Client-Cert`
carrying the supplier's client certificate the way nginx passes it on, `X-Forwarded-For` naming
the caller, `X-Partner-Proxy-Secret` proving the site; `integrations.security.proxy_headers`).

One lane per fault: its notifications leave in the order they were written, each retried with
exponential backoff until our endpoint answers 200 (or the attempts run out), while other faults'
lanes go on. A notification written while its trigger is still being answered waits for the answer
to be sent (`hold`), so our side never hears of a change before the reply that caused it.
"""

import logging
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

from integrations.cityfibre.simulator.state import SentRecord, SimState, utc_now
from integrations.cityfibre.simulator.tls import Identity
from integrations.security import proxy_headers

__all__ = ["Notifier", "Outgoing"]

logger = logging.getLogger("integrations.cityfibre.simulator")
HOLD_TIMEOUT = 5.0  # seconds a notification waits for the answer that triggered it


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
        self._lanes: dict[str, deque[Outgoing]] = {}
        self._active: set[str] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sim-notify")

    def enqueue(self, key: str, outgoing: Outgoing) -> None:
        with self._lock:
            if self._stopping.is_set():
                return
            self._lanes.setdefault(key, deque()).append(outgoing)
            if key not in self._active:
                self._active.add(key)
                self._executor.submit(self._drain, key)

    def clear(self) -> None:
        """Drop what is queued (a notification already on its way finishes)."""
        with self._lock:
            for lane in self._lanes.values():
                lane.clear()

    def close(self) -> None:
        self._stopping.set()
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _drain(self, key: str) -> None:
        while True:
            with self._lock:
                lane = self._lanes.get(key)
                if not lane or self._stopping.is_set():
                    self._active.discard(key)
                    self._lanes.pop(key, None)
                    return
                outgoing = lane.popleft()
            try:
                self._deliver(outgoing)
            except Exception:  # a bug here must not stop the lane
                logger.exception("notification %s failed", outgoing.record.message_id)

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

    def _session(self, url: str) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # loopback only: no proxies from the environment
        if url.startswith("https://"):
            if self.identity is not None:
                session.cert = (str(self.identity.cert_path), str(self.identity.key_path))
            session.verify = str(self.ca_cert_path) if self.ca_cert_path else True
        return session

    def _deliver(self, outgoing: Outgoing) -> None:
        record = outgoing.record
        if outgoing.hold is not None:
            outgoing.hold.wait(HOLD_TIMEOUT)
        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            if self._stopping.is_set():
                break
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
                attempt,
                self.attempts,
            )
            if status == 200 or attempt == self.attempts:
                break
            if self._stopping.wait(delay):
                break
            delay *= 2
        with self.state.lock:
            record.done = True
        if not record.delivered:
            logger.warning("gave up on notification %s", record.message_id)

    def _attempt(self, url: str, body: bytes) -> tuple[int | None, str]:
        try:
            with self._session(url) as session:
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
