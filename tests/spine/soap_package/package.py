"""The test SOAP protocol as a package, enabled by the outbound tests through the setting."""

from integrations.packages import ProtocolPackage
from tests.spine.soap_package.adapter import PROTOCOL

PACKAGE = ProtocolPackage(
    protocol=PROTOCOL,
    label="SOAP faults (test)",
    adapter="tests.spine.soap_package.adapter.TicketExchangeAdapter",
)
