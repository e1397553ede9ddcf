"""The supplier Ticketing API (seeds 001 and 004) as a protocol package: fault reports as XML in a
SOAP 1.1 Document/Literal envelope over HTTPS with mutual TLS, and the NICC ALA appointment
messages beside them. `package` registers it with the spine (`integrations.packages`): its
adapter, appointment gateway, inbound URLs and simulator command.

Modules:
- out: `adapter` (each domain operation as a message, its delivery, what the answers mean),
  `builders` (fault-report XML, validated against `schema`, the vendored XSD in `xsd/`),
  `soap` (the envelope);
- in: `views`, `urls` and `endpoint` (the notification webhook,
  `/integrations/cityfibre/<slug>/notify/`), `parsers` (read tolerantly), `mapping` (a
  notification in domain terms), applied by `adapter` once the inbox has stored it;
- both ways: `messages` (the dataclasses builders take and parsers return), `reasons` (the
  supplier's error JSON in the words an agent reads);
- appointments: `appointments` (the gateway: availability and reservations, asked while the
  agent waits) and `ala` (its messages: `ala.builders`, `ala.parsers`);
- `simulator`: the supplier, for the demo and the tests (`manage.py simulate_cityfibre`).

Nothing is imported here, so importing the package stays cheap and free of Django setup.
"""
