"""Hosted delivery: TEP calling OUR partner-hosted services with its client certificate —
PostAttachment (an attachment of the message, first), then PostTicket for each ticket message,
and PostReceipt for each receipt (SOAP 1.1, the partner WSDL `integrations/tep/wsdl/partner.wsdl`).

One lane per conversation (`integrations.simulation.lanes`): a conversation's messages leave in
the order they were written; receipts have a lane of their own. As TEP does, a
ServiceUnavailableFault (1000-1999), a 5xx without a fault or no answer is retried with backoff
while the lane waits; any other fault settles the message (3100 Ticket Not Found: we purged the
ticket, TEP takes us off the conversation).

Each call also carries the headers our TLS proxy's partners' site adds (`X-SSL-Client-Cert`
with the client certificate, `X-Forwarded-For`, and `X-Partner-Proxy-Secret` when given), so
that our endpoint can be reached over plain HTTP in development, as the other simulators do.
"""

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from integrations.security import proxy_headers
from integrations.simulation.lanes import DeliveryLanes, http_session, retrying
from integrations.simulation.tls import Identity
from integrations.tep import faults
from integrations.tep.faults import FaultFamily, TepFault
from integrations.tep.simulator import wire
from integrations.tep.simulator.state import OutgoingMessage, OutgoingReceipt, SimState
from integrations.xml import XmlRejected

__all__ = ["HostedDelivery"]

logger = logging.getLogger("integrations.tep.simulator")
TicketAnswered = Callable[..., None]


class HostedDelivery:
    def __init__(
        self,
        *,
        state: SimState,
        identity: Identity | None,
        ca_cert_path: Path | None,
        attempts: int = 10,
        backoff: float = 1.0,
        timeout: tuple[float, float] = (3.0, 30.0),
        forwarded_for: str = "127.0.0.1",
        proxy_secret: str = "",
    ) -> None:
        self.state = state
        self.forwarded_for = forwarded_for
        self.proxy_secret = proxy_secret
        self.identity = identity
        self.ca_cert_path = ca_cert_path
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.timeout = timeout
        self.on_ticket_answer: TicketAnswered | None = None  # set by the lifecycle
        self._lanes: DeliveryLanes[tuple[str, Any]] = DeliveryLanes(self._deliver)

    def post_ticket(self, message: OutgoingMessage) -> None:
        self._lanes.enqueue(f"ticket {message.ticket_key}", ("ticket", message))

    def post_receipt(self, receipt: OutgoingReceipt) -> None:
        self._lanes.enqueue("receipts", ("receipt", receipt))

    def clear(self) -> None:
        self._lanes.clear()

    def close(self) -> None:
        self._lanes.close()

    @property
    def stopping(self) -> threading.Event:
        return self._lanes.stopping

    # --- one delivery -----------------------------------------------------------------------
    def _deliver(self, item: tuple[str, Any]) -> None:
        kind, record = item
        if kind == "ticket":
            self._deliver_ticket(record)
        else:
            self._deliver_receipt(record)

    def _deliver_ticket(self, message: OutgoingMessage) -> None:
        with self.state.lock:
            url = self.state.config.partner_ticket_url
            attachment_url = self.state.config.partner_attachment_url
            ticket = dict(message.ticket)
        if not url:
            self._settle(message, "not sent: no partner_ticket_url")
            return
        if attachment_url and ticket.get("Attachments"):
            uris = self._post_attachments(message, attachment_url, ticket["Attachments"])
            if uris is None:
                return
            ticket["Attachments"] = uris
        answer: dict[str, Any] = {}

        def attempt(number: int) -> bool:
            body, action, errors = wire.partner_post_ticket(ticket)
            with self.state.lock:
                message.schema_errors = errors
            status, fault, payload, error = self._post(url, body, action)
            settled = _settles(status, fault)
            self._attempted(message, number, status, fault, error)
            if status == 200 and fault is None:
                answer["reference"] = wire.partner_ticket_reference(payload)
            answer["fault"] = fault
            return settled

        retrying(attempt, attempts=self.attempts, backoff=self.backoff, stopping=self.stopping)
        fault = answer.get("fault")
        if "reference" in answer:
            self._settle(message, "delivered")
        elif fault is not None:
            self._settle(message, f"refused: fault {fault.code} {fault.message}")
        else:
            self._settle(message, "given up")
        if self.on_ticket_answer is not None and ("reference" in answer or fault is not None):
            self.on_ticket_answer(
                message,
                ticket_reference=answer.get("reference") or "",
                not_found=fault is not None and fault.code == faults.TICKET_NOT_FOUND,
            )

    def _post_attachments(
        self, message: OutgoingMessage, url: str, uris: list[dict[str, str]]
    ) -> list[dict[str, str]] | None:
        """PostAttachment each attachment to us; the URIs we answered (None: not delivered)."""
        ours = []
        for uri in uris:
            with self.state.lock:
                stored = self.state.attachments.get(uri["Uri"].rstrip("/").split("/")[-2])
            if stored is None:
                continue
            body, action, _errors = wire.post_attachment_request(stored)
            answered: dict[str, Any] = {}

            def attempt(
                number: int, body: bytes = body, action: str = action, answered=answered
            ) -> bool:
                status, fault, payload, error = self._post(url, body, action)
                self._attempted(message, number, status, fault, error, operation="PostAttachment")
                if status == 200 and fault is None:
                    answered["uri"] = wire.attachment_uri(payload)
                return _settles(status, fault)

            retrying(attempt, attempts=self.attempts, backoff=self.backoff, stopping=self.stopping)
            if "uri" not in answered:
                self._settle(message, "not sent: PostAttachment failed")
                return None
            ours.append(answered["uri"])
        return ours

    def _deliver_receipt(self, receipt: OutgoingReceipt) -> None:
        with self.state.lock:
            url = self.state.config.partner_ticket_url
            config = self.state.config
            body, action, _errors = wire.partner_post_receipt(receipt, config)
        if not url:
            self._settle(receipt, "not sent: no partner_ticket_url")
            return
        delivered = {}

        def attempt(number: int) -> bool:
            status, fault, _payload, error = self._post(url, body, action)
            self._attempted(receipt, number, status, fault, error, operation="PostReceipt")
            delivered["ok"] = status == 200 and fault is None
            delivered["fault"] = fault
            return _settles(status, fault)

        retrying(attempt, attempts=self.attempts, backoff=self.backoff, stopping=self.stopping)
        fault = delivered.get("fault")
        if delivered.get("ok"):
            self._settle(receipt, "delivered")
        elif fault is not None:
            self._settle(receipt, f"refused: fault {fault.code} {fault.message}")
        else:
            self._settle(receipt, "given up")

    def _settle(self, record: OutgoingMessage | OutgoingReceipt, outcome: str) -> None:
        with self.state.lock:
            record.done = True
            record.outcome = outcome
        if outcome != "delivered":
            logger.warning("delivery %s", outcome)

    def _attempted(
        self,
        record: OutgoingMessage | OutgoingReceipt,
        number: int,
        status: int | None,
        fault: TepFault | None,
        error: str,
        *,
        operation: str = "",
    ) -> None:
        operation = operation or ("PostTicket" if isinstance(record, OutgoingMessage) else "")
        with self.state.lock:
            record.attempts.append(
                {
                    "at": self.state.now().isoformat(),
                    "operation": operation,
                    "http_status": status,
                    "fault_code": fault.code if fault else None,
                    "error": error,
                }
            )
        logger.info(
            "-> %s %s (attempt %d/%d)",
            operation,
            f"fault {fault.code}" if fault else (status or error),
            number,
            self.attempts,
        )

    def _post(
        self, url: str, body: bytes, action: str
    ) -> tuple[int | None, TepFault | None, bytes, str]:
        """(HTTP status, the SOAP fault answered, the body, the transport error)."""
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"{action}"',
            # What the proxy's mutual-TLS site adds, for our endpoint behind plain HTTP in
            # development (`make run`); nginx sets its own in front of a real listener.
            **proxy_headers(
                escaped_cert=self.identity.proxy_header if self.identity is not None else "",
                forwarded_for=self.forwarded_for,
                secret=self.proxy_secret,
            ),
        }
        headers = {name: value for name, value in headers.items() if value}
        try:
            with http_session(url, identity=self.identity, ca_cert_path=self.ca_cert_path) as s:
                response = s.post(
                    url, data=body, headers=headers, timeout=self.timeout, allow_redirects=False
                )
        except requests.RequestException as exc:
            return None, None, b"", f"{type(exc).__name__}: {exc}"[:300]
        fault = None
        if response.status_code >= 400:
            try:
                fault = wire.fault_of(response.content)
            except XmlRejected:  # not a SOAP fault: the HTTP status says it
                fault = None
        return response.status_code, fault, response.content, ""


def _settles(status: int | None, fault: TepFault | None) -> bool:
    """Whether an answer ends the attempts: a success, or a fault TEP does not retry."""
    if fault is not None:
        return fault.family is not FaultFamily.UNAVAILABLE
    return status is not None and status < 500
