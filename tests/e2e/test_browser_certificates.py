"""Partners' certificates in a real browser, in the light and the dark theme: the integration
health page shows each partner's certificates with their days left (red at 7 days or less and
expired, amber at 30 or less, grey when not known yet), the partner flagged for an expired
one, and the queue's section lists those about to expire; no WCAG 2 AA violation. Screenshots:
var/screenshots/certificates-*.png."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from integrations.certificates import certificates_sweep
from integrations.models import Partner
from tests.certificates import certificate_expiring, write_pem
from tests.e2e.conftest import screenshot
from tests.e2e.test_browser_pages import UNLABELLED_CONTROLS, WCAG_AA
from tests.factories import PartnerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def accessible(page) -> None:
    axe = Axe().run(page, options={"resultTypes": ["violations"], "runOnly": WCAG_AA})
    assert axe.violations_count == 0, axe.generate_report()
    assert page.evaluate(UNLABELLED_CONTROLS) == []


@pytest.fixture
def partners(tmp_path):
    """Supplier A: our client certificate expires in 6 days, its CA bundle in 20, one pinned
    certificate it has not called with yet. Supplier B: our client certificate expired."""
    a = PartnerFactory(
        name="Supplier A",
        slug="supplier-a",
        client_cert_path=write_pem(
            tmp_path / "a-client.pem",
            certificate_expiring("buyer-client.supplier-a.example", in_=timedelta(days=6)),
        ),
        ca_bundle_path=write_pem(
            tmp_path / "a-ca.pem", certificate_expiring("Supplier A CA", in_=timedelta(days=20))
        ),
        client_cert_fingerprints="ab" * 32,
    )
    b = PartnerFactory(
        name="Supplier B",
        slug="supplier-b",
        client_cert_path=write_pem(
            tmp_path / "b-client.pem",
            certificate_expiring("buyer-client.supplier-b.example", in_=timedelta(days=-3)),
        ),
    )
    certificates_sweep()
    return a, b


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_an_agent_sees_the_certificates_about_to_expire(
    browser_as, agent_user, partners, color_scheme
):
    _, b = partners
    page = browser_as(agent_user, color_scheme=color_scheme)

    page.goto("/integrations/health/")
    supplier_a = page.locator("article", has=page.locator("#partner-supplier-a"))
    expect(supplier_a.locator("h2")).to_contain_text("Certificate expires in 6 days")
    rows = supplier_a.locator("table.certificates tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Our client certificate")
    expect(rows.nth(0).locator(".badge")).to_have_text("Expires in 6 days")
    expect(rows.nth(0).locator(".badge")).to_have_class("badge badge-red")
    expect(rows.nth(1)).to_contain_text("CA bundle")
    expect(rows.nth(1).locator(".badge")).to_have_text("Expires in 20 days")
    expect(rows.nth(1).locator(".badge")).to_have_class("badge badge-amber")
    expect(rows.nth(2).locator(".badge")).to_have_text("Expiry not known yet")
    supplier_b = page.locator("article", has=page.locator("#partner-supplier-b"))
    expect(supplier_b.locator("h2")).to_contain_text("Sending stopped")
    expect(supplier_b.get_by_role("alert")).to_contain_text("Sending stopped for our certificate")
    assert Partner.objects.get(pk=b.pk).credentials_broken_at is not None
    accessible(page)
    screenshot(page, f"certificates-health-{color_scheme}")

    page.goto("/queue/")
    section = page.locator("#queue-certificates")
    expect(section.locator("tbody tr")).to_have_count(3)
    expect(section.locator("tbody tr").first).to_contain_text("Supplier B")
    expect(section.locator("tbody tr").first).to_contain_text("Expired 3 days ago")
    accessible(page)
    section.scroll_into_view_if_needed()
    screenshot(page, f"certificates-queue-{color_scheme}")
