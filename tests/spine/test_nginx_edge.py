"""Issue 10 #5: a partner's identity is believed only from the proxy's mutual-TLS site.

The repository's nginx configuration (`config/nginx/noc.conf`: the webhook site with mutual TLS
and the staff site on the same nginx) runs in front of the app (pytest-django's live server) with
the demo PKI. A real client certificate through the webhook site is accepted and applied; the
supplier's public certificate pasted into `X-SSL-Client-Cert`, with `X-Forwarded-For: 127.0.0.1`,
through the staff site or straight to the app, is refused and changes nothing.

The staff site refuses the partner paths itself, so a post there never reaches the app; what it
must also do is clear the partner headers on everything it does pass on. That is tested on paths
it passes (tests/edge_urls.py): a page that answers with the headers it received, and the
supplier's webhook mounted outside `/integrations/<protocol>/`, as a future route might be.
"""

import re
import secrets

import pytest
import requests
from django.urls import reverse

from devtools.pki import ensure_demo_pki
from faults.choices import FaultStatus
from faults.models import Fault
from integrations.choices import InboundStatus
from integrations.inbox import inbox_apply
from integrations.models import InboundMessage
from integrations.packages import enabled_packages
from tests.edge_urls import HEADERS_SEEN, STAFF_REACHABLE_NOTIFY
from tests.nginx_proxy import SITE_CONFIG, STAFF_HOST, WEBHOOK_HOST, Nginx
from tests.partner_posts import notification, pending_fault_of_pinned_supplier

pytestmark = [
    pytest.mark.nginx,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.edge_urls"),
]

SLUG = "edge-supplier"
NOTIFY_PATH = f"/integrations/cityfibre/{SLUG}/notify/"


def accepted(fault: Fault, message_id: str) -> bytes:
    return notification(fault.buyer_fault_reference, message_id=message_id)


@pytest.fixture
def secret(settings) -> str:
    settings.PARTNER_PROXY_SECRET = secrets.token_urlsafe(32)
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1/32"]
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, STAFF_HOST, WEBHOOK_HOST]
    return settings.PARTNER_PROXY_SECRET


@pytest.fixture
def nginx(tmp_path, pki, live_server, secret):
    proxy = Nginx(
        tmp_path / "nginx", pki=pki, upstream=live_server.url.split("//")[1], secret=secret
    )
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture
def fault(pki, db) -> Fault:
    return pending_fault_of_pinned_supplier(pki, slug=SLUG)


def forged_headers(pki) -> dict[str, str]:
    """What a client without a certificate sends to pose as the supplier: its public certificate
    (anyone may hold a copy) as the proxy would pass it on, and the proxy's own address."""
    return {
        "Content-Type": "text/xml; charset=utf-8",
        "X-SSL-Client-Cert": pki.supplier_client.proxy_header,
        "X-Forwarded-For": "127.0.0.1",
    }


def unchanged(fault: Fault) -> bool:
    fresh = Fault.objects.get(pk=fault.pk)
    return fresh.status == FaultStatus.PENDING and not fresh.maintainer_fault_reference


def test_a_real_client_certificate_through_the_webhook_site_is_accepted_and_applied(
    nginx, pki, fault
):
    response = requests.post(
        f"{nginx.webhook_url}{NOTIFY_PATH}",
        data=accepted(fault, "CF-REAL-1"),
        headers={"Host": WEBHOOK_HOST, "Content-Type": "text/xml; charset=utf-8"},
        cert=(str(pki.supplier_client.cert_path), str(pki.supplier_client.key_path)),
        verify=str(pki.ca_cert_path),
        timeout=10,
    )

    assert response.status_code == 200, response.text
    assert "<responseCode>200</responseCode>" in response.text
    stored = InboundMessage.objects.get(message_id="CF-REAL-1")
    assert stored.client_cert_fingerprint == pki.supplier_client.fingerprint
    assert inbox_apply(inbound_id=stored.pk) == InboundStatus.APPLIED
    fault.refresh_from_db()
    assert fault.status == FaultStatus.ACCEPTED
    assert fault.maintainer_fault_reference == "CS0000042"


def test_the_webhook_site_wants_a_client_certificate(nginx, pki, fault):
    response = requests.post(
        f"{nginx.webhook_url}{NOTIFY_PATH}",
        data=accepted(fault, "CF-NOCERT-1"),
        headers={**forged_headers(pki), "Host": WEBHOOK_HOST},
        verify=str(pki.ca_cert_path),
        timeout=10,
    )

    assert response.status_code == 400  # nginx: "No required SSL certificate was sent"
    assert not InboundMessage.objects.exists()
    assert unchanged(fault)


def test_a_certificate_signed_by_another_ca_is_refused_by_nginx(nginx, pki, fault, tmp_path):
    """Issue 17: a client certificate from a CA nginx does not trust (another demo PKI: the same
    names, another key) is refused at the webhook site; nothing reaches the app."""
    stranger = ensure_demo_pki(tmp_path / "another-ca")
    assert stranger.supplier_client.fingerprint != pki.supplier_client.fingerprint

    response = requests.post(
        f"{nginx.webhook_url}{NOTIFY_PATH}",
        data=accepted(fault, "CF-OTHER-CA-1"),
        headers={"Host": WEBHOOK_HOST, "Content-Type": "text/xml; charset=utf-8"},
        cert=(str(stranger.supplier_client.cert_path), str(stranger.supplier_client.key_path)),
        verify=str(pki.ca_cert_path),
        timeout=10,
    )

    assert response.status_code == 400  # nginx: "The SSL certificate error"
    assert "SSL certificate error" in response.text
    assert not InboundMessage.objects.exists()
    assert unchanged(fault)


def test_a_partner_cannot_pass_another_certificate_in_the_header(nginx, pki, fault, tmp_path):
    """Issue 17: through the webhook site with its own certificate, a caller that also sends
    X-SSL-Client-Cert (someone else's) and a made-up proxy secret: nginx replaces both, the app
    sees the certificate of the handshake."""
    stranger = ensure_demo_pki(tmp_path / "another-ca")
    response = requests.post(
        f"{nginx.webhook_url}{NOTIFY_PATH}",
        data=accepted(fault, "CF-OWN-CERT-1"),
        headers={
            "Host": WEBHOOK_HOST,
            "Content-Type": "text/xml; charset=utf-8",
            "X-SSL-Client-Cert": stranger.supplier_client.proxy_header,
            "X-Partner-Proxy-Secret": "made-up",
            "X-Forwarded-For": "198.51.100.7",
        },
        cert=(str(pki.supplier_client.cert_path), str(pki.supplier_client.key_path)),
        verify=str(pki.ca_cert_path),
        timeout=10,
    )

    assert response.status_code == 200, response.text
    stored = InboundMessage.objects.get(message_id="CF-OWN-CERT-1")
    assert stored.client_cert_fingerprint == pki.supplier_client.fingerprint


def test_the_staff_site_serves_pages_but_no_partner_can_be_forged_through_it(nginx, pki, fault):
    login = requests.get(
        f"{nginx.staff_url}/accounts/login/",
        headers={"Host": STAFF_HOST},
        verify=str(pki.ca_cert_path),
        timeout=10,
    )
    assert login.status_code == 200
    assert "Log in" in login.text

    for path in (NOTIFY_PATH, f"/integrations/%63ityfibre/{SLUG}/notify/"):
        response = requests.post(
            f"{nginx.staff_url}{path}",
            data=accepted(fault, "CF-FORGED-STAFF"),
            # Even the right secret, had it leaked: the staff site never passes it on.
            headers={
                **forged_headers(pki),
                "Host": STAFF_HOST,
                "X-Partner-Proxy-Secret": nginx.secret,
            },
            verify=str(pki.ca_cert_path),
            timeout=10,
        )
        assert response.status_code == 403, (path, response.text)

    assert not InboundMessage.objects.exists()
    assert unchanged(fault)


def test_the_staff_site_clears_the_partner_headers_on_what_it_passes_to_the_app(nginx, pki):
    response = requests.get(
        f"{nginx.staff_url}{HEADERS_SEEN}",
        headers={
            "Host": STAFF_HOST,
            "X-SSL-Client-Cert": pki.supplier_client.proxy_header,
            "X-Partner-Proxy-Secret": nginx.secret,
            "X-Forwarded-For": "198.51.100.7",
        },
        verify=str(pki.ca_cert_path),
        timeout=10,
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "X-SSL-Client-Cert": None,
        "X-Partner-Proxy-Secret": None,
        "X-Forwarded-For": "127.0.0.1",  # the address nginx saw, not the forged one
    }


def test_a_partner_endpoint_the_staff_site_reaches_refuses_a_forged_partner(nginx, pki, fault):
    """Forged certificate, forwarded address and even the leaked secret, through the staff site
    to a webhook it does pass on: the app never sees them, and refuses."""
    response = requests.post(
        f"{nginx.staff_url}{STAFF_REACHABLE_NOTIFY.format(slug=SLUG)}",
        data=accepted(fault, "CF-FORGED-STAFF-REACHED"),
        headers={**forged_headers(pki), "Host": STAFF_HOST, "X-Partner-Proxy-Secret": nginx.secret},
        verify=str(pki.ca_cert_path),
        timeout=10,
    )

    assert response.status_code == 403, response.text
    assert "<responseCode>403</responseCode>" in response.text
    assert "mutual-TLS site" in response.text
    assert not InboundMessage.objects.exists()
    assert unchanged(fault)


def test_forged_headers_posted_straight_to_the_app_are_refused(live_server, secret, pki, fault):
    response = requests.post(
        f"{live_server.url}{NOTIFY_PATH}",
        data=accepted(fault, "CF-FORGED-DIRECT"),
        headers=forged_headers(pki),
        timeout=10,
    )

    assert response.status_code == 403
    assert "<responseCode>403</responseCode>" in response.text
    assert "mutual-TLS site" in response.text
    assert not InboundMessage.objects.exists()
    assert unchanged(fault)


def test_both_sites_agree_on_the_partner_paths_of_every_protocol():
    """The webhook site passes, and the staff site refuses, `/integrations/<protocol>/` for
    every enabled protocol package and for any protocol a package may add later (no change to
    the proxy), and neither takes the staff pages that live under `/integrations/`."""
    patterns = re.findall(r"location ~ (\^/integrations/\S+) \{", SITE_CONFIG.read_text())

    assert len(patterns) == 2 and patterns[0] == patterns[1]
    partner_path = re.compile(patterns[0])  # nginx's PCRE and Python agree on this pattern
    protocols = [package.protocol for package in enabled_packages()]
    assert {"cityfibre", "tmf621"} <= set(protocols)
    for protocol in [*protocols, "tep", "fake"]:
        assert partner_path.match(f"/integrations/{protocol}/some-partner/notify/"), protocol
    for staff_page in (
        reverse("integration-health"),
        reverse("integration-outbound-retry", args=[1]),
        "/integrations/_bench/some-partner/raw/",
    ):
        assert not partner_path.match(staff_page), staff_page


def test_both_sites_give_each_request_nginxs_id_not_the_callers(nginx, pki, fault):
    """Issue 17: the app's log lines and its answer carry nginx's $request_id (32 hex digits),
    which the proxy's own access log can show too; a caller's X-Request-ID is not passed on."""
    staff = requests.get(
        f"{nginx.staff_url}/accounts/login/",
        headers={"Host": STAFF_HOST, "X-Request-ID": "chosen-by-the-caller"},
        verify=str(pki.ca_cert_path),
        timeout=10,
    )
    webhook = requests.post(
        f"{nginx.webhook_url}{NOTIFY_PATH}",
        data=accepted(fault, "CF-REQUEST-ID"),
        headers={
            "Host": WEBHOOK_HOST,
            "Content-Type": "text/xml; charset=utf-8",
            "X-Request-ID": "chosen-by-the-caller",
        },
        cert=(str(pki.supplier_client.cert_path), str(pki.supplier_client.key_path)),
        verify=str(pki.ca_cert_path),
        timeout=10,
    )

    assert (staff.status_code, webhook.status_code) == (200, 200), webhook.text
    ids = [staff.headers["X-Request-ID"], webhook.headers["X-Request-ID"]]
    assert all(re.fullmatch(r"[0-9a-f]{32}", request_id) for request_id in ids), ids
    assert ids[0] != ids[1]
