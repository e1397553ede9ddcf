"""The SOAP Ticket Exchange Platform (TEP, seed 000) as a protocol package: tickets exchanged
with partners through a hub, both ways. No public WSDL or XSD exists for it; `wsdl/` holds ours,
written from the seed in the shape a WCF service of its era exposes (document/literal wrapped,
the seed's type and property names, the seed's spellings kept: `DeliverySuceeded`).

Modules (contract):
- `namespaces` (the XML namespaces and SOAP actions), `wsdl/` (`tep-types.xsd`, the service
  schemas, `tep.wsdl` for the TEP-hosted services, `partner.wsdl` for the partner-hosted ones),
  `schema` (every message checked against them), `faults` (the seed's five fault types and codes),
  `soap` (envelopes and faults on the wire), `messages` (the seed's types as dataclasses),
  `operations` (the wrapped request and response of each operation), `client` (zeep on a local
  WSDL through the partner's hardened session), `wsdl_views` (the WSDL and XSDs served at
  `/integrations/tep/_wsdl/<file>`).

Nothing is imported here, so importing the package stays cheap and free of Django setup.
"""
