"""Partners' certificates and their expiry (integrations/certificates.py): what the integration
health page and the queue show for each, the 30- and 7-day warnings given once each by the
sweep, the partner flagged (sending held) before our own certificate fails, the pinned
certificates' expiry learned from the partner's calls through the edge, and the gauge."""

import logging
from datetime import timedelta

import lxml.html
import pytest
from django.urls import reverse
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest

from devtools.demo import DEMO_PARTNER_SLUG, demo_data_load
from devtools.pki import ensure_demo_pki
from integrations import certificates
from integrations.certificate_metrics import PartnerCertificateCollector
from integrations.certificates import certificates_sweep, partner_certificates_check
from integrations.choices import CertificateKind, OutboundStatus
from integrations.models import OutboundMessage, Partner, PartnerCertificate
from integrations.outbox import outbox_deliver
from integrations.security import proxy_headers
from ops.metrics import render
from tests.certificates import certificate_expiring, proxy_header, write_pem
from tests.factories import FaultFactory
from tests.helpers import admin_form_data, bring_to
from tests.partner_posts import notification, pending_fault_of_pinned_supplier

pytestmark = pytest.mark.django_db
HEALTH = reverse("integration-health")
DAY = 86400


@pytest.fixture
def client_certificate(partner, tmp_path):
    """`client_certificate(days)`: our client certificate for the partner, expiring then."""

    def make(days: float, name: str = "buyer-client.example"):
        certificate = certificate_expiring(name, in_=timedelta(days=days))
        path = write_pem(tmp_path / f"client-{name}.pem", certificate)
        Partner.objects.filter(pk=partner.pk).update(client_cert_path=path)
        return certificate

    return make


BADGE = './/*[contains(concat(" ", @class, " "), " badge ")]'


def badge(element: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    return element.xpath(BADGE)[0]


def rows_of(element: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    return element.xpath('.//table[contains(@class, "certificates")]/tbody/tr')


def health_rows(client) -> list[lxml.html.HtmlElement]:
    page = lxml.html.fromstring(client.get(HEALTH).content)
    return rows_of(page)


def heading_badges(client, partner) -> list[str]:
    page = lxml.html.fromstring(client.get(HEALTH).content)
    heading = page.get_element_by_id(f"partner-{partner.slug}")
    return [badge.text_content().strip() for badge in heading.xpath(BADGE)]


def test_a_certificate_expiring_in_6_days_is_red_with_6_days_on_the_health_page(
    agent_client, partner, client_certificate
):
    client_certificate(6)

    certificates_sweep()

    [row] = health_rows(agent_client)
    assert "certificate-red" in row.get("class")
    assert row.xpath("./th")[0].text_content().startswith("Our client certificate")
    assert "CN=buyer-client.example" in row.text_content()
    assert badge(row).text_content() == "Expires in 6 days"
    assert "badge-red" in badge(row).get("class")
    assert "7-day warning" in row.text_content()
    assert "Certificate expires in 6 days" in heading_badges(agent_client, partner)


def test_the_7_day_warning_is_given_once_not_again_on_the_next_sweep(
    partner, client_certificate, caplog
):
    client_certificate(6)

    with caplog.at_level(logging.WARNING, logger="integrations.certificates"):
        first = certificates_sweep()
        second = certificates_sweep()

    assert [(c.partner, c.kind, days) for c, days in first.warned] == [
        (partner, CertificateKind.CLIENT, 7)
    ]
    assert second.warned == []
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert (
        warnings[0]
        .getMessage()
        .startswith("Our client certificate of Test Supplier: expires in 6 days")
    )
    assert warnings[0].warning_days == 7
    # The 30-day warning is not given as well: it is passed, recorded without a word.
    row = PartnerCertificate.objects.get(partner=partner)
    assert row.warned_7_at is not None and row.warned_30_at is not None
    assert first.flagged == []


def test_30_days_before_it_is_amber_and_warned_once_then_7_days_before_warned_again(
    agent_client, partner, client_certificate
):
    client_certificate(20)

    first = certificates_sweep()
    again = certificates_sweep()
    [row] = health_rows(agent_client)
    two_weeks_on = certificates_sweep(now=timezone.now() + timedelta(days=14))

    assert [days for _, days in first.warned] == [30]
    assert again.warned == []
    assert "certificate-amber" in row.get("class")
    assert badge(row).text_content() == "Expires in 20 days"
    assert "30-day warning" in row.text_content()
    assert [days for _, days in two_weeks_on.warned] == [7]


def test_a_certificate_with_more_than_30_days_is_green_and_not_warned(
    agent_client, partner, client_certificate
):
    client_certificate(90)

    result = certificates_sweep()

    [row] = health_rows(agent_client)
    assert result.warned == [] and result.flagged == []
    assert badge(row).text_content() == "Expires in 90 days"
    assert "certificate-green" in row.get("class")
    assert not [b for b in heading_badges(agent_client, partner) if "Certificate" in b]


def test_an_expired_client_certificate_flags_the_partner_and_its_messages_wait(
    agent_client, partner, buyer_identifier, client_certificate
):
    client_certificate(-2)

    result = certificates_sweep()

    partner.refresh_from_db()
    assert result.flagged == [partner]
    assert partner.credentials_broken_at is not None
    assert partner.credentials_broken_reason.startswith(
        "Our client certificate (CN=buyer-client.example) expired at"
    )
    # A fault raised now: its message waits for the certificate instead of failing.
    fault = bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "pending")
    message = OutboundMessage.objects.get(fault=fault)
    outbox_deliver(outbound_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboundStatus.PENDING and message.attempts == 0
    page = agent_client.get(HEALTH).content.decode()
    assert "Sending stopped" in heading_badges(agent_client, partner)
    assert "Sending stopped for our certificate" in page
    [row] = health_rows(agent_client)
    assert badge(row).text_content() == "Expired 2 days ago"


def test_a_certificate_expiring_before_the_next_sweep_flags_the_partner_before_it_fails(
    partner, client_certificate, settings
):
    settings.CERTIFICATE_SWEEP_SECONDS = 3600
    client_certificate(1 / 48)  # 30 minutes: still valid, expired before the next sweep

    result = certificates_sweep()

    partner.refresh_from_db()
    assert result.flagged == [partner]
    assert " expires at " in partner.credentials_broken_reason


def test_a_ca_bundle_flags_the_partner_only_once_every_ca_in_it_has_expired(partner, tmp_path):
    old, new = (
        certificate_expiring(n, in_=timedelta(days=d)) for n, d in (("old", -1), ("new", 400))
    )
    Partner.objects.filter(pk=partner.pk).update(
        ca_bundle_path=write_pem(tmp_path / "bundle.pem", old, new)
    )

    in_rollover = certificates_sweep()
    write_pem(tmp_path / "bundle.pem", old)
    only_the_old = certificates_sweep()

    assert in_rollover.flagged == []
    assert only_the_old.flagged == [partner]
    assert PartnerCertificate.objects.filter(partner=partner, kind="ca").count() == 1


def test_a_renewed_certificate_replaces_the_old_one_and_is_warned_of_afresh(
    agent_client, partner, client_certificate
):
    client_certificate(6, name="old.example")
    certificates_sweep()

    client_certificate(395, name="new.example")
    result = certificates_sweep()

    [row] = PartnerCertificate.objects.filter(partner=partner)
    assert row.subject == "CN=new.example"
    assert row.warned_7_at is None and row.warned_30_at is None
    assert result.warned == []


def test_a_file_that_cannot_be_read_is_red_on_the_page_and_in_the_queue(agent_client, partner):
    Partner.objects.filter(pk=partner.pk).update(client_cert_path="/nonexistent/client.pem")

    partner_certificates_check(partner_id=partner.pk)

    [row] = health_rows(agent_client)
    assert badge(row).text_content() == "Cannot be read"
    assert "/nonexistent/client.pem cannot be read" in row.text_content()
    queue = lxml.html.fromstring(agent_client.get(reverse("queue")).content)
    [queued] = queue.get_element_by_id("queue-certificates").xpath(".//tbody/tr")
    assert "Cannot be read" in queued.text_content()


def test_the_queue_lists_certificates_expiring_within_30_days(
    agent_client, partner, client_certificate
):
    client_certificate(6)
    certificates_sweep()

    queue = lxml.html.fromstring(agent_client.get(reverse("queue")).content)

    section = queue.get_element_by_id("queue-certificates")
    assert section.xpath(".//h2")[0].text_content().split()[:3] == [
        "Partner",
        "certificates",
        "expiring",
    ]
    [row] = section.xpath(".//tbody/tr")
    assert "Test Supplier" in row.text_content()
    assert "Expires in 6 days" in row.text_content()
    assert "Ask an admin to renew it" in row.text_content()


def test_the_queue_says_so_when_no_certificate_expires_soon(agent_client, client_certificate):
    client_certificate(120)
    certificates_sweep()

    queue = lxml.html.fromstring(agent_client.get(reverse("queue")).content)

    section = queue.get_element_by_id("queue-certificates")
    assert section.xpath(".//tbody/tr") == []
    assert "No partner certificate expires in the next 30 days." in section.text_content()


def test_a_pinned_certificate_s_expiry_is_learned_from_the_partner_s_call(
    client, agent_client, settings, tmp_path
):
    certificates._pinned_recorded.clear()
    pki = ensure_demo_pki(tmp_path / "pki")
    fault = pending_fault_of_pinned_supplier(pki, slug="pinned-supplier")
    partner_certificates_check(partner_id=fault.supplier_id)
    [before] = health_rows(agent_client)
    assert badge(before).text_content() == "Expiry not known yet"

    response = client.post(
        "/integrations/cityfibre/pinned-supplier/notify/",
        data=notification(fault.buyer_fault_reference, message_id="CF-PIN"),
        content_type="text/xml",
        headers=proxy_headers(
            escaped_cert=pki.supplier_client.proxy_header,
            forwarded_for="127.0.0.1",
            secret=settings.PARTNER_PROXY_SECRET,
        ),
        REMOTE_ADDR="127.0.0.1",
    )

    assert response.status_code == 200
    row = PartnerCertificate.objects.get(partner_id=fault.supplier_id, kind="pinned")
    assert row.fingerprint == pki.supplier_client.fingerprint
    assert row.subject == "CN=Demo supplier,O=NOC demo PKI"
    [after] = health_rows(agent_client)
    assert badge(after).text_content().startswith("Expires in ")
    assert "certificate-green" in after.get("class")


def test_a_call_with_a_certificate_that_is_not_pinned_records_nothing(client, settings, tmp_path):
    certificates._pinned_recorded.clear()
    pki = ensure_demo_pki(tmp_path / "pki")
    fault = pending_fault_of_pinned_supplier(pki, slug="pinned-supplier")
    stranger = certificate_expiring("stranger.example", in_=timedelta(days=3))

    response = client.post(
        "/integrations/cityfibre/pinned-supplier/notify/",
        data=notification(fault.buyer_fault_reference, message_id="CF-X"),
        content_type="text/xml",
        headers=proxy_headers(
            escaped_cert=proxy_header(stranger),
            forwarded_for="127.0.0.1",
            secret=settings.PARTNER_PROXY_SECRET,
        ),
        REMOTE_ADDR="127.0.0.1",
    )

    assert response.status_code == 403
    assert not PartnerCertificate.objects.filter(subject="CN=stranger.example").exists()


def test_the_gauge_gives_each_certificate_s_seconds_until_it_expires(partner, client_certificate):
    client_certificate(6)
    certificates_sweep()
    registry = CollectorRegistry()
    registry.register(PartnerCertificateCollector())

    value = registry.get_sample_value(
        "noc_partner_certificate_expiry_seconds",
        {"partner": "test-supplier", "kind": "client", "subject": "CN=buyer-client.example"},
    )

    assert 5 * DAY < value <= 6 * DAY
    exposition = generate_latest(registry).decode()
    assert "# TYPE noc_partner_certificate_expiry_seconds gauge" in exposition


def test_the_gauge_is_negative_once_expired(partner, client_certificate):
    client_certificate(-2)
    certificates_sweep()
    registry = CollectorRegistry()
    registry.register(PartnerCertificateCollector())

    value = registry.get_sample_value(
        "noc_partner_certificate_expiry_seconds",
        {"partner": "test-supplier", "kind": "client", "subject": "CN=buyer-client.example"},
    )

    assert -3 * DAY < value <= -2 * DAY


def test_the_gauge_is_registered_for_the_metrics_endpoint(partner, client_certificate):
    client_certificate(6)
    certificates_sweep()

    exposition = render().decode()

    assert (
        'noc_partner_certificate_expiry_seconds{kind="client",partner="test-supplier",'
        'subject="CN=buyer-client.example"}'
    ) in exposition


def test_saving_the_partner_in_the_admin_reads_its_certificates_again(
    admin_client, partner, tmp_path, django_capture_on_commit_callbacks
):
    url = reverse("admin:integrations_partner_change", args=[partner.pk])
    data = admin_form_data(admin_client.get(url))
    data["client_cert_path"] = write_pem(
        tmp_path / "client.pem", certificate_expiring("renewed.example", in_=timedelta(days=6))
    )

    with django_capture_on_commit_callbacks(execute=True):
        saved = admin_client.post(url, data)

    assert saved.status_code == 302
    row = PartnerCertificate.objects.get(partner=partner)
    assert row.subject == "CN=renewed.example"
    assert row.warned_7_at is not None
    page = admin_client.get(url).content.decode()
    assert "CN=renewed.example" in page


def test_the_demo_s_partners_certificates_are_read_when_the_demo_loads(settings, tmp_path):
    settings.DEMO_PKI_DIR = str(tmp_path / "pki")

    demo_data_load()

    shown = {
        (c.partner.slug, c.kind, c.subject)
        for c in PartnerCertificate.objects.select_related("partner")
        if c.not_after is not None
    }
    demo = Partner.objects.get(slug=DEMO_PARTNER_SLUG)
    assert (demo.slug, "client", "CN=Demo buyer NOC,O=NOC demo PKI") in shown
    assert (demo.slug, "ca", "CN=NOC demo CA,O=NOC demo PKI") in shown
    assert not Partner.objects.filter(credentials_broken_at__isnull=False).exists()
