"""A tiny scripted TEP on loopback (port 0): the TicketService's GetTicket, ReportTicketResult and
GetReceipt over real HTTP, answering from what the test puts in it, and recording every call.

`tickets`: the messages waiting, (MessageID, the GetTicketResult's inner XML) — returned by
GetTicket until reported with anything but Unavailable, as the seed says; `receipts`: the
receipts' XML GetReceipt hands out (at most the Count asked for); `attachments`: by URI, the
Attachment's inner XML GetAttachment answers with (`unavailable`: how many GetAttachment calls
to answer with fault 1000 first; `reports_refused`: the same for ReportTicketResult); `calls`:
(operation, request element) in order; `on_report(result_element)`: called in the server's
thread when a report arrives (to look at the database as another connection sees it, i.e. what
is committed)."""

import threading
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

from django.db import connections
from lxml import etree

from integrations.tep.namespaces import SOAP_ENV_NS, TICKET_SERVICE_NS, TYPES_NS
from integrations.tep.soap import unwrap
from tests.loopback import LoopbackServer

T = f"{{{TYPES_NS}}}"


def _envelope(inner: str) -> bytes:
    return (f'<s:Envelope xmlns:s="{SOAP_ENV_NS}"><s:Body>{inner}</s:Body></s:Envelope>').encode()


def _response(operation: str, inner: str = "") -> bytes:
    return _envelope(
        f'<tep:{operation}Response xmlns:tep="{TICKET_SERVICE_NS}" xmlns:t="{TYPES_NS}">'
        f"{inner}</tep:{operation}Response>"
    )


def _fault(fault_type: str, code: int) -> bytes:
    return _envelope(
        "<s:Fault><faultcode>s:Server</faultcode><faultstring>stub</faultstring><detail>"
        f'<{fault_type} xmlns="{TYPES_NS}"><FaultCode>{code}</FaultCode><Message>stub</Message>'
        f"</{fault_type}></detail></s:Fault>"
    )


class TepStub(LoopbackServer):
    def __init__(self) -> None:
        self.tickets: deque[tuple[int, str]] = deque()
        self.receipts: list[str] = []
        self.attachments: dict[str, str] = {}
        self.unavailable = 0
        self.reports_refused = 0
        self.calls: list[tuple[str, etree._Element]] = []
        self.on_report: Callable[[etree._Element], None] | None = None
        self._lock = threading.Lock()
        super().__init__()

    def respond(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        try:
            status, answer = self.answer(body)
        finally:
            connections.close_all()
        handler.send_response(status)
        handler.send_header("Content-Type", "text/xml; charset=utf-8")
        handler.send_header("Content-Length", str(len(answer)))
        handler.end_headers()
        handler.wfile.write(answer)

    def answer(self, body: bytes) -> tuple[int, bytes]:
        operation, payload = unwrap(body)
        with self._lock:
            self.calls.append((operation, payload))
            if operation == "GetTicket":
                if not self.tickets:
                    return 200, _response("GetTicket")
                message_id, inner = self.tickets[0]
                return 200, _response(
                    "GetTicket",
                    f"<tep:GetTicketResult><t:MessageID>{message_id}</t:MessageID>{inner}"
                    "</tep:GetTicketResult>",
                )
            if operation == "ReportTicketResult":
                if self.reports_refused:
                    self.reports_refused -= 1
                    return 503, _fault("ServiceUnavailableFault", 1000)
                result = payload[0]
                if self.on_report is not None:
                    self.on_report(result)
                reported = int(result.findtext(f"{T}MessageID"))
                if result.findtext(f"{T}ProcessingStatus") != "Unavailable":
                    self.tickets = deque(t for t in self.tickets if t[0] != reported)
                return 200, _response("ReportTicketResult")
            if operation == "GetReceipt":
                count = int(payload.findtext(f"{{{TICKET_SERVICE_NS}}}Count"))
                given, self.receipts = self.receipts[:count], self.receipts[count:]
                return 200, _response(
                    "GetReceipt", f"<tep:GetReceiptResult>{''.join(given)}</tep:GetReceiptResult>"
                )
            if operation == "GetAttachment":
                if self.unavailable:
                    self.unavailable -= 1
                    return 503, _fault("ServiceUnavailableFault", 1000)
                uri = payload[0].findtext(f"{T}Uri")
                if uri not in self.attachments:
                    return 500, _fault("ServiceValidationFault", 3000)
                return 200, _response(
                    "GetAttachment",
                    f"<tep:GetAttachmentResult>{self.attachments[uri]}</tep:GetAttachmentResult>",
                )
        return 500, _fault("ServiceConfigurationFault", 2000)

    @property
    def operations(self) -> list[str]:
        return [operation for operation, _ in self.calls]

    def reports(self) -> list[tuple[int, str, str]]:
        """(MessageID, TicketReference, ProcessingStatus) of every ReportTicketResult."""
        return [
            (
                int(payload[0].findtext(f"{T}MessageID")),
                payload[0].findtext(f"{T}TicketReference"),
                payload[0].findtext(f"{T}ProcessingStatus"),
            )
            for operation, payload in self.calls
            if operation == "ReportTicketResult"
        ]
