"""A supplier that speaks TMF621 Trouble Ticket REST/JSON (seed 002, the official v4.0.0
specification in `spec/`, MEF 124 where the seed is silent), as a protocol package: we are the
buyer (operator), the partner is the supplier (seller). `package` registers it with the spine.

Modules:
- contract: `schema` (v4 schemas with the seed's and MEF 124's profile, the seed's field table),
  `mapping` (status words both ways), `models` (`Tmf621Connection`: token endpoint and client
  credentials, holds policy, hub registration);
- out: `adapter` (each domain operation as a request through the outbox), `builders` (the JSON
  bodies), `auth` (the access token, cached, renewed once on a 401), `calls` (reading the
  supplier's answers; the calls an admin waits for), `hub` (POST/DELETE /hub from the admin),
  `backfill` (GET /troubleTicket with the seed's filters), `admin` (the connection, its secret
  and those calls);
- in: `urls`, `views`, `endpoint` (the listener, `/integrations/tmf621/<slug>/listener/<event>`),
  `events` and `tickets` (an event or a ticket read into domain terms), `inbound` (applying a
  stored event or ticket, fetching the ticket when an event carries only its id), `errors`
  (TMF's error shape);
- `simulator`: the supplier, for the demo and the tests (`manage.py simulate_tmf621`).

Nothing is imported here, so importing the package stays cheap and free of Django setup.
"""
