"""The contract driver for the fake JSON protocol (tests/fake_protocol/)."""

import json
from datetime import UTC, datetime
from typing import Any

from faults.models import Fault
from integrations.models import OutboundMessage
from tests import scripted_partner
from tests.fake_protocol import PROTOCOL, wire
from tests.spine.drivers.base import Answer, ProtocolDriver
from tests.spine.throwaway_packages import remount_urls


class FakeDriver(ProtocolDriver):
    protocol = PROTOCOL
    content_type = wire.CONTENT_TYPE
    notification_type = wire.NOTIFY
    unreadable_body = b'{"messageId": '

    def enable(self, settings: Any) -> None:
        self._listed = list(settings.INTEGRATION_PACKAGES)
        settings.INTEGRATION_PACKAGES = [*self._listed, "tests.fake_protocol"]
        remount_urls()

    def disable(self, settings: Any) -> None:
        settings.INTEGRATION_PACKAGES = self._listed
        remount_urls()

    def notify_url(self, slug: str) -> str:
        return f"/integrations/{PROTOCOL}/{slug}/notify/"

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
        document = {
            "messageId": message_id,
            "buyerIdentifier": buyer_identifier or fault.buyer_identifier.code,
            "buyerFaultReference": reference or fault.buyer_fault_reference,
            "sentAt": (sent_at or datetime.now(UTC)).isoformat(),
            "status": status,
            "maintainerFaultReference": "FK-0042",
            "update": f"Update {message_id}",
        }
        return json.dumps(document).encode()

    def read_answer(self, response) -> Answer:
        assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
        document = json.loads(response.content)
        assert set(document) == {"code", "messageId", "error"}, document
        return Answer(document["code"], document["messageId"], document["error"])

    def reply(self, status: int, *, reason: str = "") -> scripted_partner.Reply:
        if 200 <= status < 300:
            body = json.dumps({"status": "pending"}).encode()
        elif reason:
            body = json.dumps({"reason": reason}).encode()
        else:
            body = b""
        return scripted_partner.Reply(status, body)

    def subject_of(self, message: OutboundMessage) -> str:
        return json.loads(message.body)["buyerFaultReference"]

    def assert_wire(self, request: scripted_partner.Received, message: OutboundMessage) -> None:
        assert request.path == f"/{message.message_type}"
        assert request.headers["Content-Type"] == wire.CONTENT_TYPE
        assert request.body == message.body.encode()
        assert json.loads(request.body)["messageId"] == message.message_id
