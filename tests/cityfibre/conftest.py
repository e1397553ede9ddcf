"""Fixtures for the supplier webhook: a demo PKI, a partner with the supplier's client
certificate pinned, and a helper that posts a notification the way the TLS proxy's mutual-TLS site
passes it on (client certificate in `X-SSL-Client-Cert`, caller in `X-Forwarded-For`, the site's
`X-Partner-Proxy-Secret`, from the proxy's address)."""

import re
from pathlib import Path

import pytest
from django.test import Client
from lxml import etree

from integrations.choices import Environment
from integrations.cityfibre import soap
from integrations.cityfibre.messages import GenericResponse
from integrations.cityfibre.parsers import parse_generic_response
from integrations.xml import parse_xml
from tests.factories import BuyerIdentifierFactory, PartnerFactory
from tests.spine.drivers.cityfibre import CityFibreDriver

SAMPLES = Path(__file__).parent / "samples"
SLUG = "cityfibre-test"
NOTIFY_URL = f"/integrations/cityfibre/{SLUG}/notify/"
BUYER_IDENTIFIER = "SPDEV1"


def sample(number: int) -> bytes:
    """The raw bytes of the published sample file starting with `number`."""
    (path,) = SAMPLES.glob(f"{number:02d}-*")
    return path.read_bytes()


def addressed_to(body: bytes) -> str:
    """The buyer identifier code a notification names (a fault must be raised under it to
    take the notification)."""
    match = re.search(rb"<buyerIdentifier>\s*([^<\s]+)\s*</buyerIdentifier>", body)
    assert match, "no buyerIdentifier"
    return match.group(1).decode()


def in_soap(body: bytes) -> bytes:
    """The bare message wrapped in a SOAP 1.1 envelope, as a sender might choose to."""
    return soap.wrap(parse_xml(body))


def notify_url(slug: str = SLUG) -> str:
    return f"/integrations/cityfibre/{slug}/notify/"


@pytest.fixture
def trusted_proxy(settings) -> None:
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1/32"]


@pytest.fixture
def cityfibre_partner(db, pki, trusted_proxy):
    partner = PartnerFactory(
        slug=SLUG,
        name="CityFibre (test)",
        protocol="cityfibre",
        environment=Environment.SIMULATOR,
        client_cert_fingerprints=pki.supplier_client.fingerprint,
        allowed_networks="127.0.0.1/32",
    )
    BuyerIdentifierFactory(partner=partner, code=BUYER_IDENTIFIER, is_default=True)
    return partner


@pytest.fixture
def spdev1(cityfibre_partner):
    return cityfibre_partner.buyer_identifiers.get(code=BUYER_IDENTIFIER)


@pytest.fixture
def post_notification(pki):
    """`post_notification(client, body, *, cert=…, forwarded_for=…, remote_addr=…,
    proxy_secret=…, content_type=…, slug=…, **extra)`: POST to the webhook as the proxy would,
    with the contract driver's `post` (tests/spine/drivers/base.py says what each one sends).
    `cert` defaults to the pinned supplier client certificate, `proxy_secret` to the configured
    PARTNER_PROXY_SECRET."""
    driver = CityFibreDriver(pki=pki)

    def post(client: Client, body: bytes, *, slug: str = SLUG, **options: object):
        return driver.post(client, slug, body, **options)

    return post


def read_answer(response) -> GenericResponse:
    """Our receivedNotifyFaultReportUpdate, read back with the same hardened parser."""
    element = soap.unwrap(parse_xml(response.content))
    assert etree.QName(element).localname == "receivedNotifyFaultReportUpdate"
    return parse_generic_response(element)


__all__ = [
    "BUYER_IDENTIFIER",
    "NOTIFY_URL",
    "SLUG",
    "addressed_to",
    "in_soap",
    "notify_url",
    "read_answer",
    "sample",
]
