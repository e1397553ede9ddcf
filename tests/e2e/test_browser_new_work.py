"""The queue announces new work without a reload: a supplier rejects a fault while the agent
looks at the queue, and the rejection appears in the page's notices and, as the agent allowed
it, as a browser notification; the wallboard shows it too. The queue with a notice is axe-clean
in both themes. Screenshots: var/screenshots/new-work-*.png."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from faults.choices import FaultStatus
from faults.services import Actor, SupplierReport, fault_apply_supplier_report
from tests.e2e.conftest import screenshot
from tests.e2e.test_browser_pages import WCAG_AA
from tests.factories import FaultFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every browser notification the page shows, kept for the test (the real one is shown too).
NOTIFICATION_SPY = """
window.__shown = [];
const Real = window.Notification;
window.Notification = function (title, options) {
  window.__shown.push({ title: title, body: (options || {}).body });
  return new Real(title, options);
};
Object.defineProperty(window.Notification, "permission", { get: () => Real.permission });
window.Notification.requestPermission = (...args) => Real.requestPermission(...args);
"""


def _supplier_rejects(fault) -> None:
    fault_apply_supplier_report(
        fault_id=fault.pk,
        report=SupplierReport(
            sent_at=timezone.now(),
            status=FaultStatus.REJECTED,
            status_reason="Service ID not known to us.",
        ),
        actor=Actor.partner("REJECT-1"),
    )


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_a_rejection_is_announced_on_the_queue_while_the_agent_looks(
    browser_as, agent_user, settings, color_scheme
):
    settings.UI_REFRESH_SECONDS = 1
    fault = FaultFactory(status=FaultStatus.PENDING, submitted_at=timezone.now())
    page = browser_as(agent_user, color_scheme=color_scheme)
    page.context.grant_permissions(["notifications"])
    page.add_init_script(NOTIFICATION_SPY)
    page.goto("/queue/")
    notices = page.get_by_role("region", name="New work")
    expect(notices.get_by_text("Browser notifications are on.")).to_be_visible()
    expect(notices.get_by_text("New work is announced here as it arrives.")).to_be_visible()

    _supplier_rejects(fault)

    notice = notices.get_by_role("listitem").filter(has_text=fault.buyer_fault_reference)
    expect(notice).to_contain_text("Rejected by the supplier:")
    expect(notice.get_by_role("link", name=fault.buyer_fault_reference)).to_have_attribute(
        "href", f"/faults/{fault.buyer_fault_reference}/"
    )
    assert page.evaluate("window.__shown") == [
        {
            "title": f"Rejected by the supplier: {fault.buyer_fault_reference}",
            "body": fault.supplier.name,
        }
    ]
    axe = Axe().run(page, options={"resultTypes": ["violations"], "runOnly": WCAG_AA})
    assert axe.violations_count == 0, axe.generate_report()
    screenshot(page, f"new-work-queue-{color_scheme}")


def test_without_permission_the_agent_is_offered_it_and_the_wallboard_announces_too(
    browser_as, agent_user, settings
):
    settings.UI_REFRESH_SECONDS = 1
    fault = FaultFactory(status=FaultStatus.PENDING, submitted_at=timezone.now())
    queue = browser_as(agent_user)
    queue.goto("/queue/")
    expect(queue.get_by_role("button", name="Allow browser notifications")).to_be_visible()

    wallboard = browser_as(agent_user, color_scheme="dark")
    wallboard.goto("/wallboard/")
    _supplier_rejects(fault)

    expect(wallboard.get_by_role("link", name=fault.buyer_fault_reference)).to_be_visible()
    assert wallboard.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    screenshot(wallboard, "new-work-wallboard")
