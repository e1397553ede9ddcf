"""An agent narrows the fault list, sorts it, chooses its columns, and saves all that as a view
shared with the team and opened by default; reopening the list shows it applied (filters, sort,
columns), 'No view' goes back to every fault, and the views page manages it. No WCAG 2 AA
violation in either theme. Screenshots: var/screenshots/saved-views-*.png."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from faults.models.workspace import SavedView, Team
from tests.e2e.conftest import screenshot
from tests.e2e.test_browser_pages import UNLABELLED_CONTROLS, WCAG_AA
from tests.factories import FaultFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def faults():
    return {
        reference: FaultFactory(
            buyer_fault_reference=reference, priority=priority, fault_location=location
        )
        for reference, priority, location in (
            ("NOC-B-P1", 1, "Exchange, Leeds"),
            ("NOC-A-P1", 1, "Cabinet 7, Mill Lane"),
            ("NOC-C-P3", 3, "Street cabinet 12"),
        )
    }


@pytest.fixture
def ops(agent_user):
    team = Team.objects.create(name="Night shift")
    team.members.add(agent_user)
    return team


def accessible(page) -> None:
    axe = Axe().run(page, options={"resultTypes": ["violations"], "runOnly": WCAG_AA})
    assert axe.violations_count == 0, axe.generate_report()
    assert page.evaluate(UNLABELLED_CONTROLS) == []


def rows(page) -> list[str]:
    page.wait_for_load_state("networkidle")
    return page.locator("table.fault-list tbody tr").evaluate_all(
        "rows => rows.map(r => r.querySelector('a[href^=\"/faults/\"]').textContent.trim())"
    )


def priority_filter(page):
    """The Priority filter (the column chooser has a Priority box too)."""
    return page.locator("select#id_priority")


def headers(page):
    return page.locator("table.fault-list thead th")


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_an_agent_saves_a_view_and_the_list_reopens_on_it(
    browser_as, agent_user, ops, faults, color_scheme
):
    page = browser_as(agent_user, color_scheme=color_scheme)
    page.goto("/faults/")
    expect(page.locator("#saved-views-title-list")).to_be_visible()

    priority_filter(page).select_option("1")
    expect(page.locator("#fault-count")).to_contain_text("of 2")
    page.locator("table.fault-list thead").get_by_role("link", name="Reference").click()
    page.wait_for_url("**sort=reference**")
    assert rows(page) == ["NOC-A-P1", "NOC-B-P1"]

    page.get_by_text("Columns", exact=True).click()
    chooser = page.get_by_role("group", name="Columns shown in the list")
    chooser.get_by_label("Service ID").uncheck()
    expect(headers(page).filter(has_text="Service ID")).to_have_count(0)
    chooser.get_by_label("Location").check()
    expect(headers(page).filter(has_text="Location")).to_have_count(1)
    expect(page.locator("table.fault-list tbody")).to_contain_text("Cabinet 7, Mill Lane")
    accessible(page)
    screenshot(page, f"saved-views-columns-{color_scheme}")

    page.get_by_text("Save these filters as a view").click()
    page.get_by_label("Name").fill("P1 by reference")
    page.get_by_label("Who sees it").select_option(label="Shared with Night shift")
    page.get_by_label("Open the fault list on this view").check()
    accessible(page)
    page.get_by_role("button", name="Save view").click()
    saved = "View “P1 by reference” saved, shared with Night shift"
    expect(page.get_by_text(saved)).to_be_visible()
    view = SavedView.objects.get(owner=agent_user)
    assert view.shared_with == ops and view.is_default
    assert "priority=1" in view.query and "sort=reference" in view.query
    assert "location" in view.columns and "service" not in view.columns

    # Reopened from the menu, the list opens on the view: filters, sort and columns applied.
    page.goto("/faults/")
    page.wait_for_url(f"**view={view.pk}**")
    expect(page.locator("#saved-view-current")).to_contain_text("Showing view P1 by reference")
    expect(priority_filter(page)).to_have_value("1")
    assert rows(page) == ["NOC-A-P1", "NOC-B-P1"]
    expect(headers(page).filter(has_text="Location")).to_have_count(1)
    expect(headers(page).filter(has_text="Service ID")).to_have_count(0)
    views = page.get_by_role("navigation", name="Open a saved view")
    current = views.get_by_role("link", name="P1 by reference")
    expect(current).to_have_attribute("aria-current", "page")
    accessible(page)
    screenshot(page, f"saved-views-list-{color_scheme}")

    views = page.get_by_role("navigation", name="Open a saved view")
    views.get_by_role("link", name="No view").click()
    expect(page.locator("#fault-count")).to_contain_text("of 3")
    expect(headers(page).filter(has_text="Service ID")).to_have_count(1)

    page.get_by_role("link", name="Manage views").click()
    page.wait_for_url("**/views/")
    expect(page.get_by_role("heading", name="Saved views", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="P1 by reference")).to_be_visible()
    accessible(page)
    screenshot(page, f"saved-views-manage-{color_scheme}")


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_the_queue_opens_on_the_agents_default_queue_view(browser_as, agent_user, color_scheme):
    page = browser_as(agent_user, color_scheme=color_scheme)
    page.goto("/queue/")
    page.get_by_text("Save these filters as a view").click()
    page.get_by_label("Name").fill("Morning shift")
    page.get_by_label("Open the queue on this view").check()
    page.get_by_role("button", name="Save view").click()
    expect(page.get_by_text("View “Morning shift” saved; the page opens on it.")).to_be_visible()

    page.goto("/queue/")
    expect(page.locator("#saved-view-current")).to_contain_text("Showing view Morning shift")
    accessible(page)
    screenshot(page, f"saved-views-queue-{color_scheme}")

    views = page.get_by_role("navigation", name="Open a saved view")
    views.get_by_role("link", name="No view").click()
    page.wait_for_url("**/queue/?view=none")
    expect(page.locator("#saved-view-current")).to_have_count(0)
