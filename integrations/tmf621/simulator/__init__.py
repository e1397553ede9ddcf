"""A TMF621 Trouble Ticket supplier simulator (seed 002, the v4 specification, MEF 124 where the
seed is silent): a real HTTP(S) server that plays the supplier side faithfully, for the demo and
for tests over real sockets.

It issues access tokens for HTTP Basic client credentials and refuses calls without a valid one;
validates what it receives against the v4 schema with the profile and the seed's field table
(`integrations.tmf621.schema`), answering with the specification's codes and TMF error bodies;
keeps its tickets; and drives each through its life (`scenarios`), posting v4 events to the
listener registered with `POST /hub`. It keeps its own in-memory state (never the Django
database), which a test reads through `Tmf621Simulator.state()` or `GET /_sim/state`.

Modules: `server` (HTTP, `Tmf621Simulator`), `api` (the operations, from request to reply),
`validation` (what is refused, and how), `queries` (GET list filters and paging), `tokens`
(access tokens), `tickets` (the ticket document), `scenarios` (the lives a ticket can lead),
`lifecycle` (timers, transitions, which event each sends), `events` (event bodies), `notifier`
(delivery, in order per ticket, with retries), `replies` (answers and TMF errors), `state` (the
records). The HTTP(S) server, control API, timer thread and delivery lanes are the simulators'
shared ones (`integrations.simulation`). Nothing here needs Django; the management command
`simulate_tmf621` runs it in the foreground.
"""

from integrations.tmf621.simulator.scenarios import Scenario
from integrations.tmf621.simulator.server import Tmf621Simulator

__all__ = ["Scenario", "Tmf621Simulator"]
