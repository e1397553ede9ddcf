"""The TEP end-to-end rig: the app on a real socket (pytest-django's live server) on the test
PostgreSQL database, a private Redis and a real Celery worker with beat (the fixtures of
tests/e2e, reused), and the TEP simulator over HTTPS with mutual TLS (the test's demo PKI).

In polling mode the worker's beat polls the simulator (GetTicket, ReportTicketResult,
GetReceipt); in hosted mode the simulator posts tickets, receipts and attachments to our
partner-hosted endpoints on the live server with the supplier's client certificate in the
proxy's headers, as the other simulators post to their webhooks. Either way the partner is a
"Local simulator", so it may be polled every `POLL_SECONDS` instead of the seed's minute, and the
simulator holds us to the same limit (`poll_interval`)."""

from collections.abc import Callable, Iterator

import pytest
from django.conf import settings as django_settings

from integrations.models import Partner
from integrations.tep.models import ReceiveMode, TepConnection
from integrations.tep.simulator import TepSimulator

# The other end-to-end tests' rig, reused: a private Redis, Celery workers, the agent's API, the
# browser.
from tests.e2e.conftest import (  # noqa: F401
    api,
    browser_as,
    browser_window,
    mutual_tls_partner,
    raise_fault,
    redis_server,
    start_worker,
)

SLUG = "e2e-tep-partner"
BUYER = "NOC-E2E-TEP"
# The simulator's defaults: our TEP PartnerID, the supplier's, our conversation role.
OUR_PARTNER_ID, THEIR_PARTNER_ID, ROLE = 1001, 2002, 10
# The simulator refuses a second GetTicket (GetReceipt) within a second; we wait that and the
# margin (`polling.MARGIN`), and beat looks every second.
SIMULATOR_POLL_LIMIT = 1.0
POLL_SECONDS = "1"
STEP_SECONDS = 0.5


@pytest.fixture
def tep_partner(transactional_db, pki, settings) -> Partner:
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1/32"]
    partner = mutual_tls_partner(
        pki,
        name="E2E partner via TEP",
        slug=SLUG,
        protocol="tep",
        buyer=BUYER,
        base_url="https://127.0.0.1:9",
        read_timeout=5,
    )
    TepConnection.objects.create(
        partner=partner,
        our_partner_id=OUR_PARTNER_ID,
        their_partner_id=THEIR_PARTNER_ID,
        conversation_role_id=ROLE,
        receive_mode=ReceiveMode.POLLING,
    )
    return partner


@pytest.fixture
def start_tep(tep_partner, live_server, pki) -> Iterator[Callable[..., TepSimulator]]:
    """`start_tep(mode="polling"|"hosted")`: the simulator, the partner pointed at it and
    receiving that way."""
    started: list[TepSimulator] = []

    def start(*, mode: str = ReceiveMode.POLLING, step_delay: float = STEP_SECONDS) -> TepSimulator:
        ours = f"{live_server.url}/integrations/tep/{SLUG}"
        simulator = TepSimulator(
            tls=pki,
            step_delay=step_delay,
            delivery_mode=mode,
            partner_ticket_url=f"{ours}/TicketService.svc" if mode == ReceiveMode.HOSTED else "",
            partner_attachment_url=(
                f"{ours}/AttachmentService.svc" if mode == ReceiveMode.HOSTED else ""
            ),
            poll_interval=SIMULATOR_POLL_LIMIT,
            deliver_backoff=0.3,
            proxy_secret=django_settings.PARTNER_PROXY_SECRET,
        ).start()
        started.append(simulator)
        Partner.objects.filter(pk=tep_partner.pk).update(base_url=simulator.url)
        TepConnection.objects.filter(partner=tep_partner).update(receive_mode=mode)
        return simulator

    yield start
    for simulator in started:
        simulator.stop()


@pytest.fixture
def tep_worker(start_worker):  # noqa: F811 (the fixture imported above)
    """A worker whose beat (the product's scheduler, with the packages' polls) polls TEP partners
    every second, and may poll a simulator partner every `POLL_SECONDS`."""
    return start_worker(
        scheduler="integrations.beat:PackagePollScheduler",
        INTEGRATION_POLL_SECONDS="integrations.tep.tasks.poll_tep_partners=1",
        TEP_SIMULATOR_POLL_SECONDS=POLL_SECONDS,
    )
