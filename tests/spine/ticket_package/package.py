"""The test-only JSON ticket-events protocol (`tests.spine.ticket_events`) as a package, so its
partners can be saved as active in the admin: the auth and edge tests enable it through the one
setting. Its endpoint is mounted by `tests.edge_urls`, not by the package."""

from integrations.packages import ProtocolPackage

PACKAGE = ProtocolPackage(
    protocol="ticket-events",
    label="Ticket events (test JSON)",
    adapter="integrations.adapters.PartnerAdapter",
)
