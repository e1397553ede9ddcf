"""A tiny SOAP protocol for the outbound tests (tests/spine/test_outbound_requests.py): its
partner answers every failure with HTTP 500 and a SOAP fault whose error code says what to do,
as the ticket exchange platform does."""

from integrations.adapters import CallResult, Outcome, PartnerAdapter
from integrations.models import OutboundMessage
from integrations.xml import XmlRejected, parse_xml

PROTOCOL = "soap-test"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"


def soap_fault(code: int, text: str) -> bytes:
    return (
        f'<soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Body><soap:Fault>'
        f"<faultcode>soap:Server</faultcode><faultstring>{text}</faultstring>"
        f"<detail><errorCode>{code}</errorCode></detail>"
        "</soap:Fault></soap:Body></soap:Envelope>"
    ).encode()


class TicketExchangeAdapter(PartnerAdapter):
    """A tiny SOAP protocol for these tests: it answers every failure with HTTP 500 and a SOAP
    fault whose error code says what to do (1000-1999: try again later; anything else: the
    same message will never be taken)."""

    def __init__(self) -> None:
        self.refused: list[str] = []

    def classify(self, message: OutboundMessage, result: CallResult) -> Outcome | None:
        code = self._fault_code(result.body) if result.status_code == 500 else None
        if code is None or 1000 <= code <= 1999:
            return None  # the spine's default: a 500 is retried
        return Outcome.FINAL

    def on_refused(self, message: OutboundMessage, result: CallResult) -> None:
        message.last_error = f"SOAP fault {self._fault_code(result.body)}"
        self.refused.append(message.message_id)

    @staticmethod
    def _fault_code(body: bytes) -> int | None:
        try:
            code = parse_xml(body).findtext(f".//{{{SOAP_NS}}}Fault/detail/errorCode")
        except XmlRejected:
            return None
        return int(code) if code and code.isdigit() else None
