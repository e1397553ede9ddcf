"""The fake protocol's one registration (INTERFACES.md §1): enabled by listing
"tests.fake_protocol" in `settings.INTEGRATION_PACKAGES`, mounted at /integrations/fake/."""

from integrations.packages import ProtocolPackage
from tests.fake_protocol import PROTOCOL

PACKAGE = ProtocolPackage(
    protocol=PROTOCOL,
    label="Fake JSON protocol (contract tests)",
    adapter="tests.fake_protocol.adapter.FakeAdapter",
    urls="tests.fake_protocol.urls",
    event_subscribers=("tests.fake_protocol.subscriber.notify_subscribers",),
    contributions=("tests.fake_protocol.contributions.HUB_DELIVERIES_FIGURE",),
)
