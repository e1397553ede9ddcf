"""The supplier Ticketing API's registration with the spine (`integrations.packages`): enabled by
listing `integrations.cityfibre` in INTEGRATION_PACKAGES.

No polls: the supplier notifies us. Asking it about a fault that has gone silent (requestFault
ReportUpdate) is the spine's reconciliation sweep, the same for every protocol, sent through this
package's adapter."""

from integrations.packages import ProtocolPackage

PACKAGE = ProtocolPackage(
    protocol="cityfibre",
    label="Supplier Ticketing API (XML/SOAP, mutual TLS)",
    adapter="integrations.cityfibre.adapter.CityFibreAdapter",
    urls="integrations.cityfibre.urls",
    appointment_gateway="integrations.cityfibre.appointments.CityFibreAppointmentGateway",
    simulator_command="simulate_cityfibre",
)
PROTOCOL = PACKAGE.protocol
