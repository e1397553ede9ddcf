"""A manager clicks figures in a real browser and lands on the fault list of exactly those
faults: a breached figure of one supplier on the SLA dashboard, the wallboard's breached card;
the list's count is the figure. The dashboard has no WCAG 2 AA violation (axe-core) in the light
and the dark theme. Screenshots: var/screenshots/click-through-*.png."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_browser_pages import UNLABELLED_CONTROLS, WCAG_AA
from tests.ui.click_through_data import PERIOD, build_click_through_faults

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DASHBOARD = f"/dashboard/?date_from={PERIOD[0].isoformat()}&date_to={PERIOD[1].isoformat()}"


def list_total(page: Page) -> int:
    said = page.locator("#fault-count").inner_text()
    found = re.search(r"of (\d+)", said)
    return int(found[1]) if found else 0


def test_a_dashboard_figure_opens_the_list_of_its_faults(browser_as, manager_user):
    build_click_through_faults()
    page = browser_as(manager_user)
    page.goto(DASHBOARD)
    expect(page.get_by_role("heading", name="SLA dashboard")).to_be_visible()
    figure = page.get_by_role("link", name=re.compile(r"^\d+ raises rejected for Alpha Fibre"))
    figure = figure.first
    shown = int(figure.inner_text())
    assert shown > 0
    screenshot(page, "click-through-dashboard")

    figure.click()

    expect(page.get_by_role("heading", name="Faults", exact=True)).to_be_visible()
    assert list_total(page) == shown
    expect(page.get_by_label("Period of")).to_have_value("rejected")
    expect(page.get_by_label("Period from")).to_have_value(PERIOD[0].isoformat())
    screenshot(page, "click-through-dashboard-list")


def test_a_wallboard_figure_opens_the_list_of_its_faults(browser_as, manager_user):
    build_click_through_faults()
    page = browser_as(manager_user)
    page.goto("/wallboard/")
    figure = page.get_by_role("link", name=re.compile(r"^\d+ breached faults now"))
    shown = int(figure.inner_text())
    assert shown > 0
    screenshot(page, "click-through-wallboard")

    figure.click()

    expect(page.get_by_role("heading", name="Faults", exact=True)).to_be_visible()
    assert list_total(page) == shown
    expect(page.get_by_role("checkbox", name="Breached")).to_be_checked()
    screenshot(page, "click-through-wallboard-list")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_dashboard_with_its_links_passes_axe(browser_as, manager_user, theme):
    build_click_through_faults()
    page = browser_as(manager_user, color_scheme=theme)
    page.goto(DASHBOARD)
    expect(page.get_by_role("heading", name="SLA dashboard")).to_be_visible()

    assert page.evaluate(UNLABELLED_CONTROLS) == []
    axe = Axe().run(page, options={"resultTypes": ["violations"], "runOnly": WCAG_AA})
    assert axe.violations_count == 0, axe.generate_report()
    screenshot(page, f"click-through-dashboard-{theme}")
