"""A live refresh never takes away what the agent is entering (issue 10, #12).

The fault page in a real browser while the supplier moves the fault through the real path: its
notifications posted to our webhook and applied by a real Celery worker, the page's header
polling every second and refreshing the actions the new status allows."""

from collections.abc import Callable
from datetime import timedelta
from itertools import count

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.e2e.conftest import notification, raise_fault, screenshot

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

SUPPLIER_WAIT_MS = 30_000
COMMENT = "Customer says the light on the ONT went red at 09:10"


@pytest.fixture
def supplier(settings, e2e_partner, start_worker, notify) -> Callable[[str, str], None]:
    """`supplier(reference, status)`: the supplier notifies a new status, a second later than
    the last one."""
    settings.UI_REFRESH_SECONDS = 1
    start_worker()
    sent = timezone.now()
    numbers = count(1)

    def move(reference: str, status: str) -> None:
        number = next(numbers)
        notify(notification(reference, status, sent + timedelta(seconds=number), f"LIVE-{number}"))

    return move


def _actions(page: Page):
    return page.locator("#fault-actions")


def test_typing_survives_the_supplier_moving_the_fault(
    supplier, api, browser_as, agent_user, tmp_path
):
    reference = raise_fault(api, "S-LIVE-1")
    page = browser_as(agent_user)
    page.goto(f"/faults/{reference}/")
    expect(page.locator("#fault-status")).to_have_text("Pending")
    expect(_actions(page).get_by_role("button", name="Request update")).to_have_count(0)

    # The agent is in the middle of several things.
    amend = _actions(page).locator("details", has_text="Amend fault")
    amend.locator("summary").click()
    amend.get_by_label("Description").fill("Now a total outage, all ports down.")
    cancel = _actions(page).locator("details", has_text="Cancel fault")
    cancel.locator("summary").click()
    cancel.get_by_label("Reason for cancelling").fill("Maybe raised twice")
    evidence = tmp_path / "ont-photo.png"
    evidence.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    _actions(page).get_by_label("File").set_input_files(evidence)
    comment = _actions(page).get_by_label("Comment")
    comment.click()
    comment.type(COMMENT)
    comment.press("Control+Home")  # the caret at the start of the text

    supplier(reference, "accepted")

    # The page follows the supplier: new status, and the actions accepted allows (an update
    # can be requested now that the supplier's reference is known) …
    expect(page.locator("#fault-status")).to_have_text("Accepted", timeout=SUPPLIER_WAIT_MS)
    expect(_actions(page).get_by_role("button", name="Request update")).to_be_visible(
        timeout=SUPPLIER_WAIT_MS
    )
    # … and everything the agent entered is still there, the caret where it was.
    expect(comment).to_have_value(COMMENT)
    expect(comment).to_be_focused()
    page.keyboard.type("Update: ")
    expect(comment).to_have_value("Update: " + COMMENT)
    expect(amend).to_have_attribute("open", "")
    expect(amend.get_by_label("Description")).to_have_value("Now a total outage, all ports down.")
    expect(cancel).to_have_attribute("open", "")
    expect(cancel.get_by_label("Reason for cancelling")).to_have_value("Maybe raised twice")
    assert _actions(page).get_by_label("File").evaluate("el => [...el.files].map(f => f.name)") == [
        "ont-photo.png"
    ]
    screenshot(page, "fault-detail-typing-kept-after-refresh")

    # Sending the comment empties its box (the server's answer), and keeps the rest.
    _actions(page).get_by_role("button", name="Add comment").click()
    expect(page.locator(".messages")).to_contain_text("Comment added")
    expect(_actions(page).get_by_label("Comment")).to_have_value("")
    expect(amend.get_by_label("Description")).to_have_value("Now a total outage, all ports down.")

    # Typing a reason to reject the resolution when the supplier closes the fault: the action
    # is gone, the words are not.
    supplier(reference, "resolved")
    reject = _actions(page).get_by_label("Reason for rejecting the resolution")
    expect(reject).to_be_visible(timeout=SUPPLIER_WAIT_MS)
    reject.fill("Still no light at the ONT")
    supplier(reference, "closed")
    expect(page.locator("#fault-status")).to_have_text("Closed", timeout=SUPPLIER_WAIT_MS)
    kept = _actions(page).locator(".kept-entry", has_text="Reason for rejecting")
    expect(kept).to_be_visible(timeout=SUPPLIER_WAIT_MS)
    expect(kept).to_contain_text("No longer possible")
    expect(kept.get_by_label("Reason for rejecting the resolution")).to_have_value(
        "Still no light at the ONT"
    )
    expect(kept.get_by_role("button", name="Reject resolution")).to_be_disabled()
    screenshot(page, "fault-detail-closed-with-kept-entry")
