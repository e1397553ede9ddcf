"""A supplier simulator for the Ticketing API (seeds 001 and 004): a real HTTP(S) server that
plays the supplier side faithfully, for the demo and for tests over real sockets (design §8).

It validates what it receives against the vendored XSD and the documents' rules, answers with the
documented response elements in a SOAP envelope, then drives each accepted fault through its life
by POSTing `notifyFaultReportUpdate` to our webhook, the way the TLS proxy would pass it on. It
keeps its own in-memory state (never the Django database), which a test reads through
`CityFibreSimulator.state()` or `GET /_sim/state`.

Modules: `server` (HTTP, control API, `CityFibreSimulator`), `dispatch` (the table of operations
by root element), `fault_reports` (the four fault-report operations), `appointments` (the NICC ALA
availability and reservation operations, and the reservation-key rule on Service Outage faults),
`slots` (the diary: slots, which are full, reservations), `ala_messages` (ALA XML), `validation`
(the documents' rules), `scenarios` (the lives a fault can lead, appointments included),
`lifecycle` (transitions), `notifier` (delivery of notifications, in order per fault, with
retries), `messages` (fault-report XML), `state` (the records). What is not CityFibre's own (the
HTTP(S) server and control API, the timer thread, the delivery lanes, the demo PKI's files) is in
`integrations.simulation`. Nothing here needs Django; the management command `simulate_cityfibre`
runs it in the foreground.
"""

from integrations.cityfibre.simulator.scenarios import Scenario
from integrations.cityfibre.simulator.server import CityFibreSimulator

__all__ = ["CityFibreSimulator", "Scenario"]
