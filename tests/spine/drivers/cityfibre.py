"""The contract driver for the supplier Ticketing API (integrations/cityfibre/)."""

from datetime import datetime

from lxml import etree

from faults.models import Fault
from integrations.cityfibre import soap
from integrations.cityfibre.endpoint import NOTIFY
from integrations.cityfibre.parsers import parse_generic_response
from integrations.models import OutboundMessage
from integrations.xml import parse_xml
from tests import partner_posts, scripted_partner
from tests.spine.drivers.base import BUYER_IDENTIFIER, Answer, ProtocolDriver

ANSWER_HEAD = """<receivedFaultReport><apiVersion>1.0</apiVersion>
<buyerIdentifier>SPDEV1</buyerIdentifier><sentAt>2026-11-23T12:00:00Z</sentAt>
<messageId>m</messageId><buyerFaultReference>r</buyerFaultReference>"""


class CityFibreDriver(ProtocolDriver):
    protocol = "cityfibre"
    content_type = "text/xml"
    notification_type = NOTIFY
    unreadable_body = b"<notifyFaultReportUpdate><broken>"

    def notify_url(self, slug: str) -> str:
        return f"/integrations/cityfibre/{slug}/notify/"

    def notification(
        self,
        fault: Fault,
        *,
        message_id: str,
        status: str = "accepted",
        buyer_identifier: str | None = None,
        reference: str | None = None,
        sent_at: datetime | None = None,
    ) -> bytes:
        body = partner_posts.notification(
            reference or fault.buyer_fault_reference,
            message_id=message_id,
            status=status,
            sent_at=sent_at,
        )
        addressed_to = buyer_identifier or fault.buyer_identifier.code
        return body.replace(
            f"<buyerIdentifier>{BUYER_IDENTIFIER}<".encode(),
            f"<buyerIdentifier>{addressed_to}<".encode(),
        )

    def read_answer(self, response) -> Answer:
        assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
        element = soap.unwrap(parse_xml(response.content))
        assert etree.QName(element).localname == "receivedNotifyFaultReportUpdate"
        answer = parse_generic_response(element)
        return Answer(answer.response_code, answer.message_id, answer.error_message)

    def reply(self, status: int, *, reason: str = "") -> scripted_partner.Reply:
        if 200 <= status < 300:
            tail = f"<status>pending</status><responseCode>{status}</responseCode>"
        elif reason:
            tail = (
                f"<status>rejected</status><responseCode>{status}</responseCode>"
                f"<errorMessage>{reason}</errorMessage>"
            )
        else:
            return scripted_partner.Reply(status, b"")
        body = f"{ANSWER_HEAD}{tail}</receivedFaultReport>"
        return scripted_partner.Reply(status, body.encode())

    def subject_of(self, message: OutboundMessage) -> str:
        return soap.unwrap(parse_xml(message.body.encode())).findtext("buyerFaultReference")

    def assert_wire(self, request: scripted_partner.Received, message: OutboundMessage) -> None:
        assert request.path == f"/{message.message_type}"
        assert request.headers["Content-Type"] == "text/xml; charset=utf-8"
        assert request.headers["SOAPAction"] == f'"{message.message_type}"'
        assert request.body == message.body.encode()
