"""An agent raises a rejected fault again: the fault page offers "Raise again", the new draft
opens in the raise form with the old fault's details and a link back, the agent corrects the
description and saves, and the two fault pages link to each other. No WCAG 2 AA violation in
either theme. Screenshots: var/screenshots/raise-again-*.png."""

import pytest
from playwright.sync_api import expect

from faults.choices import FaultStatus
from faults.models import Fault
from tests.e2e.conftest import screenshot
from tests.e2e.test_browser_notes import accessible
from tests.factories import FaultFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rejected(agent_user):
    return FaultFactory(
        status=FaultStatus.REJECTED,
        status_reason="Service ID not recognised on our network.",
        service_id="SVC-TYPO",
        description="Customer reports total loss of service since 07:00.",
    )


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_an_agent_raises_a_rejected_fault_again_and_corrects_it(
    browser_as, agent_user, rejected, color_scheme
):
    old = rejected.buyer_fault_reference
    page = browser_as(agent_user, color_scheme=color_scheme)
    page.goto(f"/faults/{old}/")
    actions = page.locator("#fault-actions")
    expect(actions).to_contain_text("To try again, raise it again")
    accessible(page)
    screenshot(page, f"raise-again-offered-{color_scheme}")

    actions.get_by_role("button", name="Raise again").click()

    new = Fault.objects.get(raised_again_from=rejected)
    page.wait_for_url(f"**/faults/{new.buyer_fault_reference}/edit/")
    expect(page.get_by_role("heading", name=f"Edit draft {new}")).to_be_visible()
    expect(page.get_by_text(f"Draft {new} raised again from {old}")).to_be_visible()
    expect(page.get_by_text("its status reason: Service ID not recognised")).to_be_visible()
    service = page.get_by_label("Service ID")
    expect(service).to_have_value("SVC-TYPO")
    expect(page.get_by_label("Description")).to_have_value(rejected.description)
    accessible(page)
    screenshot(page, f"raise-again-draft-{color_scheme}")

    service.fill("SVC-00012345")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(f"**/faults/{new.buyer_fault_reference}/")
    expect(page.locator("#fault-service")).to_have_text("SVC-00012345")
    back = page.locator("#fault-raised-again-from a")
    expect(back).to_have_text(old)
    expect(page.locator("#fault-timeline")).to_contain_text(f"Raised again from {old}.")
    accessible(page)
    screenshot(page, f"raise-again-new-{color_scheme}")

    back.click()
    page.wait_for_url(f"**/faults/{old}/")
    expect(page.locator("#fault-raised-again-as a")).to_have_text(new.buyer_fault_reference)
    expect(page.locator("#fault-timeline")).to_contain_text(f"Raised again as {new}.")
