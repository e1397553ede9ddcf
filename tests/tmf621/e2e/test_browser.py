"""The TMF621 supplier in a real browser (Debian's Chromium driven by Playwright) against the
running app, a real Celery worker and the TMF621 simulator: an agent chooses the TMF621 supplier
in the raise form, is told a Service Outage needs no appointment with it, raises an Impaired
Service fault, answers the supplier's request for information from the fault page, watches it
resolved without reloading, and accepts. Screenshots go to var/screenshots/."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from faults.models import Fault
from tests.e2e.conftest import screenshot
from tests.e2e.fault_life import all_settled, statuses
from tests.e2e.processes import wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

STEP_SECONDS = 2.0
SUPPLIER_WAIT_MS = 30_000
SUPPLIER = "E2E TMF621 supplier"
ANSWER = "Site access 08:00-18:00 on weekdays; the gatehouse has the key."


@pytest.fixture
def noc(settings, start_tmf_simulator, start_worker):
    settings.UI_REFRESH_SECONDS = 1
    simulator = start_tmf_simulator(step_delay=STEP_SECONDS)
    start_worker()
    return simulator


def _fill_the_fault(page: Page, service_id: str) -> None:
    page.get_by_label("Service ID").fill(service_id)
    page.get_by_label("Priority").select_option("2")
    page.get_by_label("Description").fill("Line drops several times an hour since 09:00.")
    page.get_by_label("Fault start time").fill(
        (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("Fault location").fill("Unit 4, Example Business Park")
    page.get_by_label("Site access details").fill("Gatehouse, 24/7")
    page.get_by_label("Triage complete").select_option(label="Yes")
    page.get_by_label("Triage findings").fill("Line tests clean up to the handover point")
    page.get_by_label("Site access contact phone").fill("01632 960000")


def test_agent_raises_with_the_tmf_supplier_answers_its_question_and_closes(
    noc, browser_as, agent_user
):
    page = browser_as(agent_user)
    page.goto("/faults/new/")
    page.locator("select[name=supplier]").select_option(label=SUPPLIER)
    _fill_the_fault(page, "SIM-PENDING-BROWSER-1")

    # A Service Outage with this supplier: no slots to find, and the form says why.
    page.get_by_label("Fault type").select_option("Service Outage")
    note = page.get_by_role("group", name="Engineer appointment (Service Outage)")
    expect(note).to_contain_text(f"{SUPPLIER} books no engineer appointments through us")
    expect(page.get_by_role("button", name="Find slots")).to_have_count(0)
    expect(page.locator("#form-errors")).to_contain_text("No problems found so far.")
    screenshot(page, "tmf621-raise-form-service-outage")

    # The agent raises it as Impaired Service.
    page.get_by_label("Fault type").select_option("Impaired Service")
    expect(note).to_have_count(0)
    page.get_by_role("button", name="Submit to supplier").click()
    page.wait_for_url(re.compile(r"/faults/[^/]+/$"))
    reference = page.url.rstrip("/").rsplit("/", 1)[1]
    status = page.locator("#fault-status")

    # The supplier acknowledges, works it, then asks us something: on hold, the question shown.
    expect(status).to_have_text("On hold", timeout=SUPPLIER_WAIT_MS)
    expect(page.locator("#fault-header")).to_contain_text(re.compile(r"TT-\d+"))
    expect(page.locator("#fault-status-reason")).to_contain_text(
        "Information required by the supplier"
    )
    screenshot(page, "tmf621-fault-information-required")

    page.get_by_label("Comment").fill(ANSWER)
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator("#fault-timeline")).to_contain_text(ANSWER)
    expect(status).to_have_text("Resolved", timeout=SUPPLIER_WAIT_MS)
    expect(page.locator("#auto-close")).to_be_visible()
    screenshot(page, "tmf621-fault-resolved")

    page.get_by_role("button", name="Accept resolution").click()
    expect(status).to_have_text("Closed")
    wait_for(
        lambda: noc.ticket(reference)["ticket"]["status"] == "closed",
        timeout=30,
        what="the simulator to close the ticket",
    )
    wait_for(all_settled, timeout=30, what="every message delivered and applied")
    fault = Fault.objects.get(buyer_fault_reference=reference)
    assert fault.fault_type == "Impaired Service"
    assert statuses(reference) == [
        "pending",
        "accepted",
        "in-progress",
        "on-hold",
        "in-progress",
        "resolved",
        "closed",
    ]
