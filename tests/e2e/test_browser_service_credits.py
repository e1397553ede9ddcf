"""The service credit evidence in a real browser, as a manager reads and prints it: the issue's
late repair (tests/appointments/late_repair_case.py: the supplier says 3 seller-caused days, we
count 4), on screen and as the printer sees it. Screenshots go to var/screenshots/."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.appointments.late_repair_case import issue_case, late_repair, supplier_says, utc
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WCAG_AA = ["wcag2a", "wcag2aa"]


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_a_manager_reads_and_prints_the_evidence(
    browser_as, partner, buyer_identifier, sla_policy, manager_user, color_scheme
):
    fault = issue_case(partner, buyer_identifier)
    supplier_says(fault, utc(6, 17, 5), late_repair=late_repair(4, 3, 1))
    page = browser_as(manager_user, color_scheme=color_scheme)

    page.goto("/dashboard/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Service credits").click()
    page.get_by_role("textbox", name="Month").fill("2026-03")
    page.get_by_role("button", name="Show").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Service credit evidence")
    expect(page.locator("hgroup p")).to_have_text(
        "Test Supplier · repairs ended in March 2026 · 1 late fault, 1 with figures that disagree"
    )
    figures = page.locator(f"#fault-{fault.buyer_fault_reference} table.evidence-figures")
    expect(figures.locator("tr.differs")).to_have_count(2)
    expect(figures.locator("tr.differs").first).to_contain_text("Seller-caused days 3 4 +1")
    screenshot(page, f"service-credits-{color_scheme}")
    axe = Axe().run(page, options={"resultTypes": ["violations"], "runOnly": WCAG_AA})
    assert axe.violations_count == 0, axe.generate_report()

    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("window.printed") is True

    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.get_by_text("How we count")).to_be_visible()
    # Printed in either theme, the page is black on white.
    screenshot(page, f"service-credits-print-{color_scheme}")


def test_an_agent_compares_the_figures_on_the_fault_page(
    browser_as, partner, buyer_identifier, sla_policy, agent_user
):
    fault = issue_case(partner, buyer_identifier)
    supplier_says(fault, utc(6, 17, 5), late_repair=late_repair(4, 3, 1))
    page = browser_as(agent_user)

    page.goto(f"/faults/{fault.buyer_fault_reference}/")

    figures = page.locator("#fault-late-repair")
    expect(figures).to_contain_text("Figures differ")
    expect(figures).to_contain_text("Supplier: 4 days late, 3 seller-caused, 1 not.")
    expect(figures.get_by_role("link", name="Service credit evidence")).to_be_visible()
    screenshot(page, "fault-late-repair")
