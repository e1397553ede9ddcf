"""Fixtures of the TMF621 supplier package's tests.

`tmf_partner`: an active partner speaking TMF621, with the default buyer identifier "NOC-TMF",
bearer authentication of its events to our listener (`LISTENER_TOKEN`) and a `Tmf621Connection`
(client id `CLIENT_ID`, secret `CLIENT_SECRET`, encrypted like every partner secret). Its URLs
point at loopback port 9, where nothing answers: `tmf_stub` starts a small supplier on loopback
and points the partner at it.

Access tokens are cached per process (`integrations.tmf621.auth.TOKENS`): each test starts
with none."""

from collections.abc import Iterator

import pytest
from django.utils import timezone

from integrations.auth.secrets import encrypt_secret, hash_secret
from integrations.choices import Environment, InboundAuth
from integrations.models import Partner
from integrations.tmf621.auth import TOKENS
from integrations.tmf621.models import Tmf621Connection
from tests.factories import BuyerIdentifierFactory, FaultFactory, PartnerFactory, SlaPolicyFactory
from tests.tmf621.supplier_stub import API, TOKEN_PATH, StubSupplier

TMF_SLUG = "tmf-supplier"
BUYER_CODE = "NOC-TMF"
LISTENER_TOKEN = "listener-token-0123456789abcdef"
CLIENT_ID = "noc-client"
CLIENT_SECRET = "client-secret-0123456789abcdef"
NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing answers
OUR_SITE = "noc.example.net"  # where the listener is, as the supplier is told


@pytest.fixture(autouse=True)
def _no_cached_tokens() -> Iterator[None]:
    TOKENS.clear()
    yield
    TOKENS.clear()


@pytest.fixture
def tmf_partner(db) -> Partner:
    now = timezone.now()
    partner = PartnerFactory(
        slug=TMF_SLUG,
        name="TMF Supplier (test)",
        protocol="tmf621",
        environment=Environment.SIMULATOR,
        base_url=NOWHERE + API,
        inbound_auth=InboundAuth.BEARER,
        inbound_secret_hash=hash_secret(LISTENER_TOKEN, strategy=InboundAuth.BEARER),
        inbound_secret_changed_at=now,
    )
    BuyerIdentifierFactory(
        partner=partner, code=BUYER_CODE, is_default=True, description="NOC Operator Ltd"
    )
    Tmf621Connection.objects.create(
        partner=partner,
        token_url=NOWHERE + TOKEN_PATH,
        client_id=CLIENT_ID,
        client_secret_encrypted=encrypt_secret(CLIENT_SECRET),
        client_secret_changed_at=now,
        callback_url=f"https://{OUR_SITE}/integrations/tmf621/{TMF_SLUG}",
    )
    return partner


def point_at(partner: Partner, stub: StubSupplier) -> None:
    """The partner's API and token endpoint are the stub's."""
    Partner.objects.filter(pk=partner.pk).update(base_url=stub.api_url)
    Tmf621Connection.objects.filter(partner=partner).update(token_url=stub.token_url)
    partner.refresh_from_db()


@pytest.fixture
def tmf_stub(tmf_partner) -> Iterator[StubSupplier]:
    """A supplier on loopback that knows our client credentials; the partner points at it."""
    with StubSupplier(client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as stub:
        point_at(tmf_partner, stub)
        yield stub


@pytest.fixture
def tmf_fault(tmf_partner):
    """A draft fault for the TMF621 supplier, with everything a raise needs."""
    SlaPolicyFactory(partner=tmf_partner)
    return FaultFactory(
        supplier=tmf_partner, buyer_identifier=tmf_partner.buyer_identifiers.get(code=BUYER_CODE)
    )
