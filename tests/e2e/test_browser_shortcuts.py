"""An agent works from the keyboard alone: `?` lists the shortcuts, `g l` opens the fault list,
`j`/`k` walk its faults and, on a fault opened from it, go to the next and previous fault of the
list; `c` puts the caret in the comment box, Esc leaves it, and the comment is sent with Tab and
Enter. The `?` list has no WCAG 2 AA violation in either theme. Screenshots:
var/screenshots/shortcuts-*.png."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from faults.choices import FaultStatus
from faults.models import FaultComment
from tests.e2e.conftest import screenshot
from tests.e2e.test_browser_pages import WCAG_AA
from tests.factories import FaultFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def three_faults():
    """Newest first on the list: the one created last heads it."""
    now = timezone.now()
    faults = [
        FaultFactory(status=FaultStatus.IN_PROGRESS, maintainer_fault_reference=f"SUP-{n}")
        for n in range(3)
    ]
    for age, fault in enumerate(reversed(faults)):
        type(fault).objects.filter(pk=fault.pk).update(created_at=now - timedelta(minutes=age))
    return [fault.buyer_fault_reference for fault in reversed(faults)]


def test_an_agent_moves_through_faults_and_comments_from_the_keyboard(
    browser_as, agent_user, three_faults
):
    first, second, third = three_faults
    page = browser_as(agent_user)
    page.goto("/")

    page.keyboard.press("Shift+?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    expect(help_dialog.get_by_role("row", name="g then l Go to Faults")).to_be_visible()
    expect(help_dialog.get_by_role("row", name="c Write a comment to the supplier")).to_be_visible()
    screenshot(page, "shortcuts-help")
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    page.keyboard.press("g")
    page.keyboard.press("l")
    page.wait_for_url("**/faults/")
    page.keyboard.press("/")
    expect(page.get_by_label("Search")).to_be_focused()
    page.keyboard.press("Escape")

    page.keyboard.press("j")
    expect(page.get_by_role("link", name=first, exact=True)).to_be_focused()
    page.keyboard.press("j")
    expect(page.get_by_role("link", name=second, exact=True)).to_be_focused()
    screenshot(page, "shortcuts-list-second-fault-focused")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/faults/{second}/")

    page.keyboard.press("j")
    page.wait_for_url(f"**/faults/{third}/")
    page.keyboard.press("j")  # the end of the list: it says so and stays
    expect(page.get_by_role("status").filter(has_text="last fault of the list")).to_be_visible()
    assert page.url.endswith(f"/faults/{third}/")
    page.keyboard.press("k")
    page.wait_for_url(f"**/faults/{second}/")

    page.keyboard.press("c")
    comment = page.locator("#fault-actions").get_by_label("Comment")
    expect(comment).to_be_focused()
    page.keyboard.type("Typed without a mouse; j and k are letters here.")
    page.wait_for_timeout(300)  # a "j" taken as a shortcut would be leaving by now
    assert page.url.endswith(f"/faults/{second}/")  # j and k typed in the box went nowhere
    expect(comment).to_have_value("Typed without a mouse; j and k are letters here.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Add comment")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Typed without a mouse; j and k are letters here.")).to_be_visible()
    assert FaultComment.objects.filter(
        fault__buyer_fault_reference=second, text__startswith="Typed without a mouse"
    ).exists()


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_the_shortcut_list_is_accessible_in_both_themes(browser_as, agent_user, color_scheme):
    page = browser_as(agent_user, color_scheme=color_scheme)
    page.goto("/faults/")
    page.get_by_role("button", name="Keyboard shortcuts (?)").press("Enter")  # its button works too
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()

    axe = Axe().run(page, options={"resultTypes": ["violations"], "runOnly": WCAG_AA})
    assert axe.violations_count == 0, axe.generate_report()
    screenshot(page, f"shortcuts-help-{color_scheme}")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()
