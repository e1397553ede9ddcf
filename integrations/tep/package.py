"""The TEP Ticket Exchange Platform's registration with the spine (`integrations.packages`):
enabled by listing `integrations.tep` in INTEGRATION_PACKAGES.

One poll: a partner that receives by polling (`TepConnection.receive_mode`) asks TEP for tickets
and receipts, at most once every 60 seconds (the seed's limit). The limit is kept per partner by
the poll (`polling.claim_slot`, under a row lock, with a second of margin), so beat only looks
often: every 10 seconds, and a partner is polled within 10 seconds of its slot coming free (a
beat of 60 s against a slot of 61 s would poll every other minute). A simulator partner may be
polled faster (TEP_SIMULATOR_POLL_SECONDS), every other TEP partner once a minute whatever beat
does.

TEP has no call that reads one ticket back, so the spine's reconciliation sweep never asks a TEP
partner about a silent fault (`TepAdapter.operations` has no request-update)."""

from datetime import timedelta

from integrations.packages import Poll, ProtocolPackage

POLL_INTERVAL = timedelta(seconds=10)
# Beat's own floor; the partner's limit is the poll's (see above).
BEAT_FLOOR = timedelta(seconds=1)

PACKAGE = ProtocolPackage(
    protocol="tep",
    label="TEP Ticket Exchange (SOAP)",
    adapter="integrations.tep.adapter.TepAdapter",
    urls="integrations.tep.urls",
    simulator_command="simulate_tep",
    polls=(
        Poll(
            "integrations.tep.tasks.poll_tep_partners",
            every=POLL_INTERVAL,
            min_interval=BEAT_FLOOR,
        ),
    ),
)
PROTOCOL = PACKAGE.protocol
