"""An agent writes an internal note from the keyboard alone: `n` puts the caret in the note box
(beside the comment box, which says it goes to the supplier), Tab and Enter add it; the timeline
shows it marked internal, and a checkbox, ticked with the space bar, filters the timeline to the
notes without leaving the page (the address keeps the filter). No WCAG 2 AA violation in either
theme. Screenshots: var/screenshots/notes-*.png."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from faults.choices import FaultStatus
from faults.models.workspace import FaultNote
from faults.services import Actor, fault_comment_add
from tests.e2e.conftest import screenshot
from tests.e2e.test_browser_pages import UNLABELLED_CONTROLS, WCAG_AA
from tests.factories import FaultFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOTE = "Customer is a hospital: chase the supplier every hour."


@pytest.fixture
def fault(agent_user):
    fault = FaultFactory(status=FaultStatus.IN_PROGRESS, maintainer_fault_reference="SUP-9")
    fault_comment_add(
        fault_id=fault.pk, actor=Actor.for_user(agent_user), text="Is an engineer booked?"
    )
    return fault


def tab_to(page, element_id: str, limit: int = 80) -> None:
    """Press Tab until the element has the focus (a keyboard user's way there)."""
    for _ in range(limit):
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} never got the focus with Tab")


def accessible(page) -> None:
    axe = Axe().run(page, options={"resultTypes": ["violations"], "runOnly": WCAG_AA})
    assert axe.violations_count == 0, axe.generate_report()
    assert page.evaluate(UNLABELLED_CONTROLS) == []


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_an_agent_adds_a_note_and_filters_the_timeline_with_the_keyboard_only(
    browser_as, agent_user, fault, color_scheme
):
    reference = fault.buyer_fault_reference
    page = browser_as(agent_user, color_scheme=color_scheme)
    page.goto(f"/faults/{reference}/")
    actions = page.locator("#fault-actions")
    expect(actions.get_by_text("Sent to the supplier: they will read it.")).to_be_visible()
    expect(actions.get_by_text("Stays in our NOC: never sent to the supplier.")).to_be_visible()
    accessible(page)
    screenshot(page, f"notes-forms-{color_scheme}")

    page.keyboard.press("n")
    note_box = actions.get_by_label("Internal note")
    expect(note_box).to_be_focused()
    page.keyboard.type(NOTE)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Add internal note")).to_be_focused()
    page.keyboard.press("Enter")

    first = page.locator("#fault-timeline li.timeline-entry").first
    expect(first).to_contain_text(NOTE)
    expect(first).to_contain_text("Internal note")
    expect(first.get_by_text("Internal · not sent to supplier")).to_be_visible()
    expect(page.get_by_text("Internal note added (not sent to the supplier).")).to_be_visible()
    assert FaultNote.objects.filter(fault=fault, text=NOTE, author=agent_user).exists()
    expect(page.locator("#fault-timeline li[data-kind=comment]")).to_have_count(1)
    accessible(page)
    screenshot(page, f"notes-added-{color_scheme}")

    filters = page.get_by_role("group", name="Show only")
    expect(filters.get_by_label("Internal notes (1)")).to_be_visible()
    tab_to(page, "timeline-show-note")
    page.keyboard.press("Space")
    page.wait_for_url(f"**/faults/{reference}/?show=note")
    expect(page.locator("#fault-timeline li[data-kind=comment]")).to_have_count(0)
    expect(page.locator("#fault-timeline li.timeline-entry")).to_have_count(1)
    expect(page.locator("#fault-timeline li.timeline-entry").first).to_contain_text(NOTE)
    expect(page.locator("#timeline-show-note")).to_be_checked()
    expect(page.locator("#timeline-show-note")).to_be_focused()  # the refresh kept its place
    accessible(page)
    screenshot(page, f"notes-filtered-{color_scheme}")

    page.reload()  # the address holds the filter
    expect(page.locator("#fault-timeline li.timeline-entry")).to_have_count(1)
    # A second note, written while filtered: the timeline stays filtered, with both notes.
    page.keyboard.press("n")
    page.keyboard.type("Second note.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#fault-timeline li.timeline-entry")).to_have_count(2)
    expect(page.locator("#fault-timeline li[data-kind=note]")).to_have_count(2)
    expect(page.locator("#timeline-show-note")).to_be_checked()
