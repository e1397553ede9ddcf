"""The NOC in a real browser (Debian's Chromium driven by Playwright) against the running app, a
real Celery worker and the supplier simulator over mutual TLS.

An agent raises a Service Outage fault with an engineer appointment from the form, watches the
supplier accept it and start work without reloading the page, and accepts the resolution; a
forbidden action is not offered and is refused when forced; a manager sees the new figures on
the SLA dashboard. Screenshots of the main pages go to var/screenshots/."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from faults.models import Fault
from faults.reports.trends import week_commencing
from tests.e2e.conftest import screenshot

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

# Each supplier step waits this long, and the page reloads its live panels every second, so
# every status is on screen for a few refreshes.
STEP_SECONDS = 3.0
SUPPLIER_WAIT_MS = 30_000


@pytest.fixture
def noc(settings, start_simulator, start_worker):
    settings.UI_REFRESH_SECONDS = 1
    start_simulator(step_delay=STEP_SECONDS)
    start_worker()


def _raise_service_outage(page: Page, service_id: str) -> None:
    page.goto("/faults/new/")
    page.get_by_label("Supplier").select_option(label="E2E supplier")
    page.get_by_label("Service ID").fill(service_id)
    page.get_by_label("Fault type").select_option("Service Outage")
    page.get_by_label("Priority").select_option("2")
    page.get_by_label("Address key (UPRN)").fill("10002491172")
    page.get_by_label("Product name").fill("ftthl2r")
    page.get_by_label("Description").fill("No light at the ONT since 09:00; customer down.")
    expect(page.get_by_text(re.compile(r"\b47 / 4000 characters"))).to_be_visible()
    page.get_by_label("Fault start time").fill(
        (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("Fault location").fill("Cabinet 12, Example Street")
    page.get_by_label("Site access details").fill("Reception, 24/7")
    page.get_by_label("Triage complete").select_option(label="Yes")
    page.get_by_label("Triage findings").fill("Light level low at the ONT")
    page.get_by_label("Site access contact phone").fill("01632 960000")

    # Service Outage: the supplier wants an engineer appointment before it takes the fault.
    panel = page.get_by_role("group", name="Engineer appointment (Service Outage)")
    expect(panel).to_be_visible()
    panel.get_by_label("From date").fill((timezone.localdate() + timedelta(days=1)).isoformat())
    panel.get_by_role("button", name="Find slots").click()
    free = panel.locator("input[name=slot]:not([disabled])")
    expect(free.first).to_be_visible()
    assert panel.locator("input[name=slot][disabled]").count() > 0  # some slots are full
    free.first.check()
    panel.get_by_role("button", name="Reserve").click()
    expect(panel.get_by_text(re.compile("Reserved"))).to_be_visible()
    # The live check runs again once the slot is reserved: nothing is left to ask for.
    expect(page.locator("#form-errors")).to_contain_text("No problems found so far.")
    expect(page.locator("#form-errors")).not_to_contain_text("appointment")
    screenshot(page, "raise-form-service-outage")

    page.get_by_role("button", name="Submit to supplier").click()
    page.wait_for_url(re.compile(r"/faults/[^/]+/$"))


def test_agent_raises_a_service_outage_and_follows_it_to_closed(
    noc, browser_as, agent_user, manager_user
):
    dashboard = browser_as(manager_user)
    dashboard.goto("/dashboard/")
    supplier_row = dashboard.get_by_role("row").filter(has_text="E2E supplier")
    expect(supplier_row).to_have_count(0)  # nothing raised with this supplier yet

    page = browser_as(agent_user)

    _raise_service_outage(page, "S-BROWSER-TLOS-1")
    reference = page.url.rstrip("/").rsplit("/", 1)[1]
    status = page.locator("#fault-status")

    # The supplier moves the fault; the page follows without a reload.
    expect(status).to_have_text("Accepted", timeout=SUPPLIER_WAIT_MS)
    expect(page.locator("#fault-header")).to_contain_text(re.compile(r"CS\d+"))
    expect(status).to_have_text("In progress", timeout=SUPPLIER_WAIT_MS)
    timeline = page.locator("#fault-timeline")
    expect(timeline).to_contain_text("Confirmed", timeout=SUPPLIER_WAIT_MS)
    expect(status).to_have_text("Resolved", timeout=SUPPLIER_WAIT_MS)
    expect(page.locator("#auto-close")).to_be_visible()
    # Re-appoint is no longer offered; nothing was typed into it, so nothing is kept of it.
    expect(page.get_by_text("Re-appoint")).to_have_count(0)
    expect(page.locator(".kept-entry")).to_have_count(0)
    screenshot(page, "fault-detail-resolved")

    page.get_by_role("button", name="Accept resolution").click()
    expect(status).to_have_text("Closed")
    fault = Fault.objects.get(buyer_fault_reference=reference)
    assert fault.status == "closed"
    assert fault.appointment_reservation_key

    # A closed fault offers no resolution answer, and a crafted one is refused.
    expect(page.get_by_role("button", name="Accept resolution")).to_have_count(0)
    expect(page.get_by_role("button", name="Reject resolution")).to_have_count(0)
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    forced = page.request.post(
        f"/faults/{reference}/reject-resolution/",
        form={"reason": "forced"},
        headers={"X-CSRFToken": token},
    )
    assert forced.status == 409
    assert "not allowed" in forced.text()
    fault.refresh_from_db()
    assert fault.status == "closed"

    # The manager's dashboard now counts the fault: resolved in the period, with a repair time.
    dashboard.reload()
    expect(supplier_row).to_have_count(3)  # one row in each table: open, repair, other
    open_row = dashboard.locator("#table-open tbody tr", has_text="E2E supplier")
    repair_row = dashboard.locator("#table-repair tbody tr", has_text="E2E supplier")
    expect(repair_row).to_contain_text("P2")
    expect(repair_row.locator('[data-label="Resolved"]')).to_have_text("1")
    expect(open_row.locator('[data-label="Open total"]')).to_have_text("0")
    expect(repair_row.locator('[data-label="Mean time to repair"]')).not_to_have_text("—")
    today = timezone.localdate()
    this_week = week_commencing(today - timedelta(days=today.weekday()))  # "w/c 23 Nov"
    raised = dashboard.get_by_role("table", name="Raised and resolved per week")
    week_row = raised.get_by_role("row").filter(has_text=this_week)
    expect(week_row.get_by_role("cell")).to_have_text(["1", "1"])  # raised, resolved
    screenshot(dashboard, "sla-dashboard")
