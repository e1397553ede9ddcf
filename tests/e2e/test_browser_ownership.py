"""An agent takes a fault from the keyboard alone: Tab to "Assign to me", Enter, and the
header names them as the owner, with their team; the reassign form opens with Enter. The queue's
switch shows only their faults, and the fault list filters by "Mine". No WCAG 2 AA violation in
either theme. Screenshots: var/screenshots/ownership-*.png."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from faults.choices import FaultStatus
from faults.models.workspace import Team
from tests.e2e.conftest import screenshot
from tests.e2e.test_browser_pages import UNLABELLED_CONTROLS, WCAG_AA
from tests.factories import FaultFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def core(agent_user):
    team = Team.objects.create(name="Core")
    team.members.add(agent_user)
    return team


@pytest.fixture
def faults():
    return [
        FaultFactory(status=FaultStatus.ON_HOLD, maintainer_fault_reference=f"SUP-{n}")
        for n in (1, 2)
    ]


def focused_id(page) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.id")


def tab_to(page, element_id: str, limit: int = 80) -> None:
    """Press Tab until the element has the focus (a keyboard user's way there)."""
    for _ in range(limit):
        if focused_id(page) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} never got the focus with Tab")


def accessible(page) -> None:
    axe = Axe().run(page, options={"resultTypes": ["violations"], "runOnly": WCAG_AA})
    assert axe.violations_count == 0, axe.generate_report()
    assert page.evaluate(UNLABELLED_CONTROLS) == []


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_an_agent_assigns_a_fault_to_themself_with_the_keyboard_only(
    browser_as, agent_user, core, faults, color_scheme
):
    mine, other = faults
    page = browser_as(agent_user, color_scheme=color_scheme)
    page.goto(f"/faults/{mine.buyer_fault_reference}/")
    expect(page.locator("#fault-owner")).to_have_text("— (unassigned)")
    accessible(page)
    screenshot(page, f"ownership-unassigned-{color_scheme}")

    tab_to(page, "assign-to-me")
    page.keyboard.press("Enter")

    expect(page.locator("#fault-owner")).to_have_text("test-agent")
    expect(page.locator("#fault-team")).to_have_text("Core")
    expect(page.get_by_text("is now yours: test-agent (Core)")).to_be_visible()
    expect(page.locator("#assign-to-me")).to_have_count(0)

    tab_to(page, "reassign-toggle")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Owner", exact=True)).to_be_visible()
    expect(page.get_by_label("Owner", exact=True)).to_have_value(str(agent_user.pk))
    accessible(page)
    screenshot(page, f"ownership-assigned-{color_scheme}")

    page.goto("/queue/?assigned=mine")
    on_hold = page.locator("#queue-on-hold")
    expect(on_hold.get_by_role("link", name=mine.buyer_fault_reference)).to_be_visible()
    expect(on_hold.get_by_role("link", name=other.buyer_fault_reference)).to_have_count(0)
    expect(page.locator("#queue-scope-mine")).to_have_attribute("aria-current", "page")
    accessible(page)
    screenshot(page, f"ownership-queue-mine-{color_scheme}")

    page.goto("/faults/")
    page.get_by_label("Assigned").select_option("mine")
    expect(page.locator("#fault-count")).to_contain_text("1")
    rows = page.locator("table.fault-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("test-agent")
    accessible(page)
    screenshot(page, f"ownership-list-mine-{color_scheme}")
