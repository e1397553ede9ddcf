"""A TEP simulator (seed 000): a real SOAP server over HTTPS with mutual TLS that plays the Ticket
Exchange Platform and a supplier partner behind it, for the demo and for tests over real sockets.

It serves the TEP-hosted operations of our WSDL (PostTicket, GetTicket, ReportTicketResult,
GetReceipt, PostAttachment, GetAttachment), checks every message against our XSD and answers bad
input with the seed's faults; it walks each ticket we raise through the supplier's life (Update
messages with the supplier's status detail), takes our answers, gives a receipt for every ticket
message it accepts, refuses a GetTicket/GetReceipt within a minute of the caller's last one (on
its own, settable clock), and can make the supplier open an incident with us. It delivers to us
either by GetTicket/GetReceipt (polling) or by calling our hosted PostTicket/PostReceipt
(hosted). Its state lives in memory, never in the Django database.

Modules: `server` (HTTPS, control API, `TepSimulator`), `operations` (the six operations),
`wire` (our messages to and from XML, through `integrations.tep.messages`), `lifecycle` (the
supplier and TEP's queues), `delivery` (hosted mode's calls to us), `scenarios` (SIM-… service
ids, the Detail names spoken), `state` (the records), `clock` (the settable clock). The
management command `simulate_tep` runs it in the foreground.
"""

from integrations.tep.simulator.scenarios import Scenario
from integrations.tep.simulator.server import TepSimulator

__all__ = ["Scenario", "TepSimulator"]
