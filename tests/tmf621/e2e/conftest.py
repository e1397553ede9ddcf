"""The TMF621 end-to-end rig: the app on a real socket (pytest-django's live server) on the test
PostgreSQL database, a private Redis and real Celery workers (the fixtures of tests/e2e, reused),
and the TMF621 simulator as its own process over HTTPS with the test's demo PKI, posting its
events to our listener with the partner's bearer token."""

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import requests

from integrations.auth.secrets import encrypt_secret, hash_secret
from integrations.choices import Environment, InboundAuth
from integrations.models import BuyerIdentifier, Partner
from integrations.tmf621.models import Tmf621Connection

# The other end-to-end tests' rig, reused: a private Redis, Celery workers, the agent's API, the
# browser.
from tests.e2e.conftest import (  # noqa: F401
    api,
    browser_as,
    browser_window,
    raise_fault,
    redis_server,
    start_worker,
)
from tests.factories import SlaPolicyFactory
from tests.tmf621.e2e.rig import Tmf621SimulatorProcess, api_url, port_in_range, token_url

SLUG = "e2e-tmf-supplier"
BUYER = "NOC-E2E"
CLIENT_ID = "noc-e2e"
CLIENT_SECRET = "e2e-client-secret-0123456789abcdef"
LISTENER_TOKEN = "e2e-listener-token-0123456789abcdef"


@pytest.fixture
def tmf_partner(transactional_db, pki, live_server) -> Partner:
    """The TMF621 supplier, pointed at a simulator port (its `base_url` and token URL are set
    when the simulator starts), retrying fast so that a test sees the retries."""
    partner = Partner.objects.create(
        name="E2E TMF621 supplier",
        slug=SLUG,
        protocol="tmf621",
        environment=Environment.SIMULATOR,
        base_url="https://127.0.0.1:9/tmf-api/troubleTicket/v4",
        inbound_auth=InboundAuth.BEARER,
        inbound_secret_hash=hash_secret(LISTENER_TOKEN, strategy=InboundAuth.BEARER),
        allowed_networks="127.0.0.1/32",
        ca_bundle_path=str(pki.ca_cert_path),
        connect_timeout=1,
        read_timeout=5,
        retry_base_seconds=0.5,
        retry_max_seconds=2,
        max_attempts=40,
    )
    BuyerIdentifier.objects.create(partner=partner, code=BUYER, is_default=True)
    SlaPolicyFactory(partner=partner, target=timedelta(hours=8))
    Tmf621Connection.objects.create(
        partner=partner,
        token_url="https://127.0.0.1:9/oauth/token",
        client_id=CLIENT_ID,
        client_secret_encrypted=encrypt_secret(CLIENT_SECRET),
        callback_url=listener_base(live_server),
    )
    return partner


def listener_base(live_server) -> str:
    return f"{live_server.url}/integrations/tmf621/{SLUG}"


@pytest.fixture
def start_tmf_simulator(
    tmf_partner, live_server, pki, tmp_path
) -> Iterator[Callable[..., Tmf621SimulatorProcess]]:
    """`start_tmf_simulator(port=…, step_delay=…, extra=(…))`: the simulator process, with the
    partner pointed at it. A port given again is the same supplier coming back."""
    started: list[Tmf621SimulatorProcess] = []

    def start(
        *, port: int | None = None, step_delay: float = 0.3, extra: tuple[str, ...] = ()
    ) -> Tmf621SimulatorProcess:
        simulator = Tmf621SimulatorProcess(
            port=port or port_in_range(),
            tls_dir=pki.ca_cert_path.parent,
            ca_bundle=pki.ca_cert_path,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            listener_token=LISTENER_TOKEN,
            callback=listener_base(live_server),
            logfile=tmp_path / f"tmf621-simulator-{len(started)}.log",
            step_delay=step_delay,
            extra=extra,
        )
        point_partner_at(tmf_partner, simulator.port)
        started.append(simulator)
        return simulator.start()

    yield start
    for simulator in started:
        simulator.stop()


def point_partner_at(partner: Partner, port: int) -> None:
    """The partner calls the simulator on `port` (whether or not it is up)."""
    Partner.objects.filter(pk=partner.pk).update(base_url=api_url(port))
    Tmf621Connection.objects.filter(partner=partner).update(token_url=token_url(port))


@pytest.fixture
def tmf_simulator(start_tmf_simulator) -> Tmf621SimulatorProcess:
    return start_tmf_simulator()


def raise_tmf_fault(session: requests.Session, service_id: str, **extra: object) -> str:
    """Raise an Impaired Service fault with the TMF621 supplier through our API; its reference."""
    return raise_fault(session, service_id, partner=SLUG, **extra)


@pytest.fixture
def post_event(live_server) -> Callable[..., requests.Response]:
    """Post an event to our listener over a real socket, as the supplier does."""

    def post(event: dict, *, token: str = LISTENER_TOKEN) -> requests.Response:
        url = f"{listener_base(live_server)}/listener/{event['eventType']}"
        return requests.post(
            url,
            json=event,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json;charset=utf-8",
            },
            timeout=10,
        )

    return post
