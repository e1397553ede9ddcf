"""The TMF621 Trouble Ticket API over our faults, and its hub, registered with the spine: enabled
by listing `integrations.tmf621_api` in INTEGRATION_PACKAGES.

Its partners are subscribers to our events (one per `POST /hub`), never suppliers; the domain
events reach them through `hub.notify_subscribers` as outbox rows."""

from integrations.packages import ProtocolPackage

PACKAGE = ProtocolPackage(
    protocol="tmf621-hub",
    label="TMF621 event subscriber (our hub)",
    adapter="integrations.tmf621_api.adapter.HubSubscriberAdapter",
    api_urls=(("tmf-api/troubleTicket/v4/", "integrations.tmf621_api.urls"),),
    supplies=False,
    event_subscribers=("integrations.tmf621_api.hub.notify_subscribers",),
)
PROTOCOL = PACKAGE.protocol
