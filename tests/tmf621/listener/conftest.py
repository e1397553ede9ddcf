"""Fixtures for the TMF621 listener: a supplier of that protocol whose events are authenticated
with a bearer token (as the demo's), faults raised with it and brought to a status, a helper that
posts an event the way the TLS proxy passes it on, and the supplier's `GET troubleTicket/{id}`
as a real HTTP server on loopback (for events that carry only the ticket's id)."""

import json
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from faults.choices import SlaCalendar
from faults.models import Fault
from faults.ports import RECORD_ONLY, connect_partner_calls
from integrations.auth.secrets import encrypt_secret, hash_secret
from integrations.choices import Environment, InboundAuth, InboundStatus
from integrations.inbox import inbox_apply
from integrations.models import InboundMessage, Partner
from integrations.tmf621.models import Tmf621Connection
from tests.factories import BuyerIdentifierFactory, FaultFactory, PartnerFactory, SlaPolicyFactory
from tests.helpers import bring_to
from tests.ports import worker_share
from tests.tmf621.supplier_stub import StubSupplier, tmf_error

SLUG = "tmf-supplier"
BUYER = "NOC-TMF"
TOKEN = "listener-token-0123456789-abcdefghij"
# What we present to the supplier's token endpoint.
CLIENT_ID = "noc-listener-tests"
CLIENT_SECRET = "client-secret-0123456789-abcdef"
BASE_PATH = "/tmf-api/troubleTicket/v4"
EXAMPLES = Path(__file__).parent / "examples"
PORTS = worker_share(range(18100, 18200))  # this helper's share of the machine's ports


def example(name: str) -> dict[str, Any]:
    """A golden example (examples/README.md says where each comes from), a fresh copy."""
    return json.loads((EXAMPLES / f"{name}.json").read_text())


def listener_url(event_type: str, *, slug: str = SLUG) -> str:
    return f"/integrations/tmf621/{slug}/listener/{event_type}"


@pytest.fixture(autouse=True)
def through_the_proxy(settings) -> None:
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1/32"]


@pytest.fixture
def tmf_supplier(db) -> Partner:
    """An active TMF621 supplier: bearer token on its events, buyer identifier NOC-TMF (its
    default), connection settings with the default holds policy, an 8-hour SLA."""
    partner = PartnerFactory(
        slug=SLUG,
        name="TMF Supplier (test)",
        protocol="tmf621",
        base_url=f"http://127.0.0.1:9{BASE_PATH}",
        # Its loopback stand-in speaks plain HTTP, which only a simulator may.
        environment=Environment.SIMULATOR,
        allowed_networks="127.0.0.1/32",
        inbound_auth=InboundAuth.BEARER,
        inbound_secret_hash=hash_secret(TOKEN, strategy=InboundAuth.BEARER),
    )
    BuyerIdentifierFactory(partner=partner, code=BUYER, is_default=True)
    Tmf621Connection.objects.create(
        partner=partner,
        token_url="http://127.0.0.1:9/oauth/token",
        client_id=CLIENT_ID,
        client_secret_encrypted=encrypt_secret(CLIENT_SECRET),
    )
    SlaPolicyFactory(partner=partner, target=timedelta(hours=8), calendar=SlaCalendar.ALWAYS)
    return partner


@pytest.fixture
def raise_fault(tmf_supplier):
    """`raise_fault(status, *, ticket=…, buyer=…, start=…, **fields)`: a fault raised with the
    supplier under a buyer identifier of its, brought to `status` by supplier notifications a
    minute apart from `start`, carrying the supplier's ticket id. The calls the lifecycle asks
    for are only recorded: this is the listener's side."""

    def make(
        status: str = "in-progress",
        *,
        ticket: str = "TT-1001",
        buyer: str = BUYER,
        start: datetime | None = None,
        **fields: Any,
    ) -> Fault:
        identifier = tmf_supplier.buyer_identifiers.get(code=buyer)
        draft = FaultFactory(supplier=tmf_supplier, buyer_identifier=identifier, **fields)
        previous = connect_partner_calls(RECORD_ONLY)
        try:
            fault = bring_to(draft, status, start=start)
        finally:
            connect_partner_calls(previous)
        Fault.objects.filter(pk=fault.pk).update(maintainer_fault_reference=ticket)
        fault.refresh_from_db()
        return fault

    return make


def post_event(
    client,
    body: dict | bytes,
    *,
    event_type: str | None = None,
    slug: str = SLUG,
    token: str | None = TOKEN,
    content_type: str = "application/json",
    suffix: str = "",
    **headers: str,
):
    """POST an event to the listener as the proxy's TLS site passes it on. `event_type`: the
    URL's, by default the body's own `eventType`; `suffix`: appended to the URL ("/")."""
    if event_type is None:
        event_type = body["eventType"] if isinstance(body, dict) else "troubleTicketStatusChange"
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    if token is not None:
        headers.setdefault("Authorization", f"Bearer {token}")
    return client.post(
        listener_url(event_type, slug=slug) + suffix,
        data=data,
        content_type=content_type,
        headers={"X-Forwarded-For": "127.0.0.1", **headers},
        REMOTE_ADDR="127.0.0.1",
    )


def status_event(
    fault: Fault,
    status: str | None = "inProgress",
    *,
    event_type: str = "troubleTicketStatusChangeEvent",
    event_id: str = "EV-1",
    at: datetime | None = None,
    reason: str = "",
    notes: list[dict] | None = None,
    by_external_id: bool = True,
    **ticket_fields: Any,
) -> dict[str, Any]:
    """A v4 event carrying the whole ticket of `fault` (our reference as its externalId, our
    buyer in relatedParty) at `status`."""
    at = at or timezone.now()
    ticket: dict[str, Any] = {
        "id": fault.maintainer_fault_reference,
        "href": f"https://supplier.example{BASE_PATH}/troubleTicket/"
        f"{fault.maintainer_fault_reference}",
        "ticketType": "Customer_Trouble_Ticket",
        "severity": "Medium",
        "description": fault.description,
        "lastUpdate": at.isoformat(),
        "statusChangeDate": at.isoformat(),
        "relatedParty": [
            {
                "id": fault.buyer_identifier.code,
                "role": "buyer",
                "@referredType": "Organization",
            }
        ],
        **ticket_fields,
    }
    if by_external_id:
        ticket["externalId"] = fault.buyer_fault_reference
    if status is not None:
        ticket["status"] = status
    if reason:
        ticket["statusChangeReason"] = reason
    if notes is not None:
        ticket["note"] = notes
    return {
        "eventId": event_id,
        "eventTime": at.isoformat(),
        "eventType": event_type,
        "event": {"troubleTicket": ticket},
    }


def apply_received() -> list[InboundMessage]:
    """Apply every stored message still waiting, oldest first, as the inbox task would."""
    applied = []
    for inbound_id in (
        InboundMessage.objects.filter(status=InboundStatus.RECEIVED)
        .order_by("id")
        .values_list("id", flat=True)
    ):
        inbox_apply(inbound_id=inbound_id)
        applied.append(InboundMessage.objects.get(pk=inbound_id))
    return applied


def assert_tmf_error(response, status: int, *, code: str | None = None) -> dict[str, Any]:
    """The answer is v4's Error in TMF's shape, with this status; returns it."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json;charset=utf-8"
    error = response.json()
    assert set(error) == {"code", "reason", "message", "status"}
    assert error["status"] == str(status)
    assert error["reason"] and error["message"]
    if code is not None:
        assert error["code"] == code
    return error


# --- the supplier's GET troubleTicket/{id}, on loopback -----------------------------------------
class SupplierTickets(StubSupplier):
    """The outbound tests' loopback supplier (token endpoint, bearer tokens checked on every
    call) as the listener's tests use it: `tickets` by id, `fail_next(n, status)` answers the
    next `n` API calls with that status, `requests` lists (path, Authorization header)."""

    def fail_next(self, count: int, status: int = 503) -> None:
        self.then(*(tmf_error(status, "Try again later") for _ in range(count)))

    @property
    def requests(self) -> list[tuple[str, str | None]]:
        return [(f"{BASE_PATH}/{r.path}", r.headers.get("Authorization")) for r in self.received]


@pytest.fixture
def supplier_tickets(tmf_supplier) -> Iterator[SupplierTickets]:
    """The supplier's ticket resource and token endpoint; the partner points at them."""
    with SupplierTickets(client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as server:
        Partner.objects.filter(pk=tmf_supplier.pk).update(base_url=server.api_url)
        Tmf621Connection.objects.filter(partner=tmf_supplier).update(token_url=server.token_url)
        tmf_supplier.refresh_from_db()
        yield server


def free_port_in_range() -> int:
    """A port of this helper's range nothing listens on (a supplier that is down)."""
    for port in PORTS:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("Every port of the range is taken")
