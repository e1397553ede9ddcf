"""The hub's end-to-end rig: the app on a real socket (pytest-django's live server) on the test
PostgreSQL database, a private Redis, real Celery workers and the supplier simulator over mutual
TLS (the fixtures of tests/e2e, reused), and a subscriber's listener on a port of our own
(`listener.Listener`) that subscribes through the API like any buyer system."""

from collections.abc import Callable, Iterator

import pytest
import requests
from rest_framework.authtoken.models import Token

from integrations.models import Partner
from integrations.tmf621_api.models import HubSubscription

# The other end-to-end tests' rig, reused: a private Redis, Celery workers, the supplier
# simulator and its partner, the browser.
from tests.e2e.conftest import (  # noqa: F401
    browser_as,
    browser_window,
    e2e_partner,
    redis_server,
    simulator,
    start_simulator,
    start_worker,
)
from tests.tmf621_api.e2e.listener import Listener, port_in_range

API_PATH = "/tmf-api/troubleTicket/v4/"
# A subscriber's deliveries are retried fast here, and long enough for a listener that is down
# for a while (the partner's settings, which an admin may change for any subscriber).
FAST_RETRIES = {
    "connect_timeout": 1,
    "read_timeout": 5,
    "retry_base_seconds": 0.5,
    "retry_max_seconds": 2,
    "max_attempts": 200,
}


@pytest.fixture
def tmf_api(live_server, agent_user, settings) -> requests.Session:
    """The TMF621 API over a real socket, with the agent's token; tickets' hrefs on the live
    server."""
    settings.TMF_API_BASE_URL = f"{live_server.url}{API_PATH}"
    session = requests.Session()
    session.headers["Authorization"] = f"Token {Token.objects.create(user=agent_user).key}"
    session.base_url = settings.TMF_API_BASE_URL  # type: ignore[attr-defined]
    return session


@pytest.fixture
def api(tmf_api, live_server) -> requests.Session:
    """Our own fault API (/api/v1), as the agent, with the same token."""
    session = requests.Session()
    session.headers["Authorization"] = tmf_api.headers["Authorization"]
    session.base_url = f"{live_server.url}/api/v1"  # type: ignore[attr-defined]
    return session


@pytest.fixture
def listener() -> Iterator[Listener]:
    """A listener on a free port of ours, not started yet: `listener.start()`."""
    server = Listener(port_in_range())
    yield server
    server.stop()


@pytest.fixture
def subscribe(tmf_api) -> Callable[..., HubSubscription]:
    """`subscribe(listener, query=…)`: POST /hub over the socket; the subscription it made, its
    partner retrying fast."""

    def post(listener: Listener, query: str | None = None) -> HubSubscription:
        body = {"callback": listener.callback, **({"query": query} if query else {})}
        answer = tmf_api.post(f"{tmf_api.base_url}hub", json=body, timeout=10)
        assert answer.status_code == 201, answer.text
        subscription = HubSubscription.objects.get(pk=int(answer.json()["id"]))
        Partner.objects.filter(pk=subscription.partner_id).update(**FAST_RETRIES)
        return subscription

    return post
