"""The partner-security contract of the shared inbound edge (`integrations.edge`): whoever is
not the partner's pinned certificate, from its networks, through the proxy's mutual-TLS site, is
refused with 403; a body over the partner's limit with 413; an unknown partner with 404; every
refusal in the protocol's own shape (its status repeated in the body), nothing stored, the fault
as it was. The edge's outage answers are in tests/spine/test_partner_edge.py."""

import logging

import pytest

from integrations.models import InboundMessage, Partner
from integrations.security import _report_missing_secret
from tests.factories import PartnerFactory
from tests.spine.contract import fault_state


@pytest.fixture
def body(protocol_driver, pending) -> bytes:
    return protocol_driver.notification(pending, message_id="N-1")


@pytest.fixture
def refused(protocol_driver, pending):
    """`refused(response, status)`: refused in the protocol's shape with that status, nothing
    stored, the fault as it was before the request."""
    before = fault_state(pending)

    def check(response, status: int) -> None:
        assert response.status_code == status, response.content
        answer = protocol_driver.read_answer(response)
        assert answer.code == status
        assert answer.error
        assert InboundMessage.objects.count() == 0
        assert fault_state(pending) == before

    return check


def test_the_pinned_certificate_from_an_allowed_address_is_taken(
    protocol_driver, client, partner, body
):
    response = protocol_driver.post(client, partner.slug, body)

    assert response.status_code == 200
    assert protocol_driver.read_answer(response).code == 200
    assert InboundMessage.objects.count() == 1


# --- who is calling ---------------------------------------------------------------------------
def test_a_valid_certificate_that_is_not_pinned_is_refused(
    protocol_driver, client, partner, body, other_pki, refused
):
    response = protocol_driver.post(client, partner.slug, body, cert=other_pki.supplier_client)

    refused(response, 403)
    assert "not pinned" in protocol_driver.read_answer(response).error


def test_another_certificate_of_the_same_ca_is_refused(
    protocol_driver, client, partner, body, pki, refused
):
    # Pinning is per certificate, not per issuer: our own client certificate is not theirs.
    refused(protocol_driver.post(client, partner.slug, body, cert=pki.buyer_client), 403)


def test_no_certificate_is_refused(protocol_driver, client, partner, body, refused):
    response = protocol_driver.post(client, partner.slug, body, cert=None)

    refused(response, 403)
    assert protocol_driver.read_answer(response).error == "No client certificate was presented."


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("garbage", id="garbage"),
        pytest.param(
            "-----BEGIN%20CERTIFICATE-----%0AAAAA%0A-----END%20CERTIFICATE-----", id="pem"
        ),
        pytest.param("%FF%FE%00", id="bytes"),
        pytest.param("\u00e9t\u00e9", id="latin1"),
    ],
)
def test_a_certificate_header_that_is_no_certificate_is_refused(
    protocol_driver, client, partner, body, refused, header
):
    response = protocol_driver.post(client, partner.slug, body, cert=header)

    refused(response, 403)
    error = protocol_driver.read_answer(response).error
    assert error == "The client certificate could not be read."


@pytest.mark.parametrize(
    "forwarded_for",
    [
        pytest.param("192.0.2.7", id="other-network"),
        # A caller cannot smuggle an allowed address in front of the one the proxy appended.
        pytest.param("127.0.0.1, 192.0.2.7", id="spoofed-prefix"),
        pytest.param("not-an-address", id="garbage"),
    ],
)
def test_a_source_address_outside_the_partners_networks_is_refused(
    protocol_driver, client, partner, body, refused, forwarded_for
):
    response = protocol_driver.post(client, partner.slug, body, forwarded_for=forwarded_for)

    refused(response, 403)


def test_the_address_the_proxy_appended_is_the_one_checked(protocol_driver, client, partner, body):
    forwarded_for = "192.0.2.7, 127.0.0.1"

    response = protocol_driver.post(client, partner.slug, body, forwarded_for=forwarded_for)

    assert response.status_code == 200
    assert InboundMessage.objects.get().remote_addr == "127.0.0.1"


def test_a_request_that_did_not_come_through_the_proxy_is_refused(
    protocol_driver, client, partner, body, refused
):
    # Only the test client's idea of the peer address: no traffic goes to 10.x.
    response = protocol_driver.post(client, partner.slug, body, remote_addr="10.20.30.40")

    refused(response, 403)
    assert "must come through the TLS proxy" in protocol_driver.read_answer(response).error


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param(None, id="none"),  # another site of the proxy, or a local process
        pytest.param("", id="empty"),
        pytest.param("a-guess", id="wrong"),
    ],
)
def test_the_proxy_without_the_mutual_tls_sites_secret_is_refused(
    protocol_driver, client, partner, body, refused, secret
):
    # Issue 10 #5: the proxy's address alone proves nothing; the certificate is the partner's.
    response = protocol_driver.post(client, partner.slug, body, proxy_secret=secret)

    refused(response, 403)
    assert "mutual-TLS site" in protocol_driver.read_answer(response).error


def test_without_a_configured_proxy_secret_every_request_is_refused(
    protocol_driver, client, partner, body, refused, settings
):
    # Outside DEBUG the setting has no default: fail closed, even for a header that is empty too.
    settings.PARTNER_PROXY_SECRET = ""

    refused(protocol_driver.post(client, partner.slug, body, proxy_secret=""), 403)


def test_a_missing_proxy_secret_is_logged_once_not_on_every_request(
    protocol_driver, client, partner, body, settings, caplog
):
    """Anyone can post to a partner path: one log line each would let them flood the log."""
    settings.PARTNER_PROXY_SECRET = ""
    _report_missing_secret.cache_clear()  # a fresh process

    with caplog.at_level(logging.WARNING, logger="integrations.security"):
        answers = [protocol_driver.post(client, partner.slug, body) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [403, 403, 403]
    said = [r for r in caplog.records if "PARTNER_PROXY_SECRET is not set" in r.getMessage()]
    assert len(said) == 1


# --- how much -----------------------------------------------------------------------------------
def test_a_body_over_the_partners_limit_is_refused_before_it_is_read(
    protocol_driver, client, partner, body, refused
):
    Partner.objects.filter(pk=partner.pk).update(max_inbound_bytes=len(body) - 1)

    response = protocol_driver.post(client, partner.slug, body)

    refused(response, 413)
    assert protocol_driver.read_answer(response).error == f"Body over {len(body) - 1} bytes."
    Partner.objects.filter(pk=partner.pk).update(max_inbound_bytes=len(body))
    assert protocol_driver.post(client, partner.slug, body).status_code == 200


def test_a_body_over_the_default_limit_is_refused(protocol_driver, client, partner, body, refused):
    refused(protocol_driver.post(client, partner.slug, body + b" " * (256 * 1024)), 413)


@pytest.mark.parametrize("declared", ["-1", "abc", "1e3", "²"])
def test_a_content_length_that_is_no_number_is_refused(
    protocol_driver, client, partner, body, refused, declared
):
    refused(protocol_driver.post(client, partner.slug, body, CONTENT_LENGTH=declared), 413)


# --- which partner --------------------------------------------------------------------------------
def test_an_unknown_partner_is_not_found_in_the_protocols_shape(
    protocol_driver, client, body, refused, django_assert_max_num_queries
):
    """Its renderer needs no database (one query: the partner's lookup)."""
    with django_assert_max_num_queries(1):
        response = protocol_driver.post(client, "no-such-partner", body)

    refused(response, 404)
    assert protocol_driver.read_answer(response).error == "No such partner."


def test_an_inactive_partner_is_not_found(protocol_driver, client, partner, body, refused):
    Partner.objects.filter(pk=partner.pk).update(is_active=False)

    refused(protocol_driver.post(client, partner.slug, body), 404)


def test_a_partner_of_another_protocol_is_not_found(protocol_driver, client, pki, body, refused):
    PartnerFactory(
        slug="tmf-partner",
        protocol="tmf621",
        client_cert_fingerprints=pki.supplier_client.fingerprint,
        allowed_networks="127.0.0.1/32",
    )

    refused(protocol_driver.post(client, "tmf-partner", body), 404)


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_only_post_is_allowed(protocol_driver, client, partner, method):
    url = protocol_driver.notify_url(partner.slug)

    response = getattr(client, method)(url, REMOTE_ADDR="127.0.0.1")

    assert response.status_code == 405
    assert InboundMessage.objects.count() == 0


# --- in what ----------------------------------------------------------------------------------
def test_a_content_type_the_protocol_does_not_take_is_refused(
    protocol_driver, client, partner, body, refused
):
    response = protocol_driver.post(client, partner.slug, body, content_type="text/plain")

    refused(response, 415)
    assert "text/plain" in protocol_driver.read_answer(response).error
