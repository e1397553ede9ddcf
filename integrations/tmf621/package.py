"""The TMF621 Trouble Ticket supplier's registration with the spine (`integrations.packages`):
enabled by listing `integrations.tmf621` in INTEGRATION_PACKAGES.

No polls: the supplier posts events to our listener; a fault gone silent is asked about by the
spine's reconciliation sweep (GET /troubleTicket/{id} through this package's adapter)."""

from integrations.packages import ProtocolPackage

PACKAGE = ProtocolPackage(
    protocol="tmf621",
    label="TMF621 Trouble Ticket (REST/JSON)",
    adapter="integrations.tmf621.adapter.Tmf621Adapter",
    urls="integrations.tmf621.urls",
    simulator_command="simulate_tmf621",
    encrypted_fields=("tmf621.Tmf621Connection.client_secret_encrypted",),
)
PROTOCOL = PACKAGE.protocol
