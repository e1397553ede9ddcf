"""An agent links a helpdesk ticket to an open exception in a real browser and sees it on the
exception, as a link into the helpdesk; a number with a space is refused on that exception's
form. The page with the ticket and the form open has every control labelled and no WCAG 2 AA
violation (axe-core). Screenshots: var/screenshots/exceptions-helpdesk-ticket*.png."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from faults.choices import FaultStatus
from faults.exceptions.models import CallToAction, TicketExceptionRule
from faults.exceptions.services import exceptions_sweep
from faults.exceptions.shipped import ship_rules
from tests.e2e.conftest import screenshot
from tests.e2e.test_browser_pages import (
    HELP_ABOVE_ITS_CONTROL,
    NARROW_CONTROLS,
    UNLABELLED_CONTROLS,
    WCAG_AA,
)
from tests.factories import FaultFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_links_a_helpdesk_ticket_and_sees_it(browser_as, agent_user, settings):
    settings.HELPDESK_TICKET_URL = "https://example.zendesk.com/agent/tickets/{identifier}"
    ship_rules(TicketExceptionRule, CallToAction)  # flushed by an earlier transactional test
    fault = FaultFactory(
        status=FaultStatus.IN_PROGRESS,
        last_supplier_message_at=timezone.now() - timedelta(hours=30),
    )
    exceptions_sweep()
    page = browser_as(agent_user)
    page.goto("/exceptions/")
    card = page.locator("article.exception-card", has_text=fault.buyer_fault_reference)

    card.get_by_text("Link a helpdesk ticket").click()
    card.get_by_label("Helpdesk ticket").fill("12 345")
    card.get_by_role("button", name="Link ticket").click()
    expect(card.get_by_text("with no spaces (e.g. 12345)")).to_be_visible()
    screenshot(page, "exceptions-helpdesk-ticket-refused")

    card.get_by_label("Helpdesk ticket").fill("12345")
    card.get_by_role("button", name="Link ticket").click()

    expect(
        page.get_by_text(f"Linked ticket 12345 to {fault.buyer_fault_reference}")
    ).to_be_visible()
    link = card.get_by_role("link", name="Zendesk #12345")
    expect(link).to_have_attribute("href", "https://example.zendesk.com/agent/tickets/12345")
    expect(card.get_by_role("button", name="Unlink Zendesk #12345")).to_be_visible()
    card.get_by_text("Link a helpdesk ticket").click()  # the form open too, for the checks
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(NARROW_CONTROLS) == []
    assert page.evaluate(HELP_ABOVE_ITS_CONTROL) == []
    axe = Axe().run(page, options={"resultTypes": ["violations"], "runOnly": WCAG_AA})
    assert axe.violations_count == 0, axe.generate_report()
    screenshot(page, "exceptions-helpdesk-ticket")
