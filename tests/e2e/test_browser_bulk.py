"""Bulk actions on the fault list, as an agent does them without a mouse: Tab to a fault's
checkbox and tick it with the space bar, open the bulk panel with Enter, keep "Request an
update", apply; the run's page gives a result per fault, done or refused with the state
machine's reason. No WCAG 2 AA violation in either theme. Then a run too long for the request
(60 faults, all matching the filters) goes to a real Celery worker and the page follows it to the
end; with the broker down the run waits, and its page follows it once it is applied.
Screenshots: var/screenshots/bulk-*.png."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from faults.choices import FaultStatus
from faults.models import BulkRun, BulkRunItem, FaultEvent
from faults.models.workspace import FaultNote
from faults.services.bulk import bulk_item_apply
from faults.tasks import apply_bulk_run
from tests.e2e.conftest import screenshot
from tests.e2e.test_browser_pages import UNLABELLED_CONTROLS, WCAG_AA
from tests.factories import FaultFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused_id(page) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.id")


def tab_to(page, element_id: str, *, backwards: bool = False, limit: int = 120) -> None:
    """Press Tab (or Shift+Tab) until the element has the focus, as a keyboard user gets there."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        if focused_id(page) == element_id:
            return
        page.keyboard.press(key)
    raise AssertionError(f"#{element_id} never got the focus with {key}")


def accessible(page) -> None:
    axe = Axe().run(page, options={"resultTypes": ["violations"], "runOnly": WCAG_AA})
    assert axe.violations_count == 0, axe.generate_report()
    assert page.evaluate(UNLABELLED_CONTROLS) == []


@pytest.fixture
def faults(partner, buyer_identifier, sla_policy):
    def make(status: str, **fields):
        return FaultFactory(
            supplier=partner, buyer_identifier=buyer_identifier, status=status, **fields
        )

    return {
        "accepted": make(FaultStatus.ACCEPTED, maintainer_fault_reference="SUP-1"),
        "in_progress": make(FaultStatus.IN_PROGRESS, maintainer_fault_reference="SUP-2"),
        "draft": make(FaultStatus.DRAFT),
        "untouched": make(FaultStatus.IN_PROGRESS, maintainer_fault_reference="SUP-3"),
    }


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_an_agent_requests_updates_of_some_faults_with_the_keyboard_only(
    browser_as, agent_user, faults, color_scheme
):
    page = browser_as(agent_user, color_scheme=color_scheme)
    page.goto("/faults/")
    chosen = [faults["accepted"], faults["in_progress"], faults["draft"]]

    tab_to(page, "bulk-summary")
    page.keyboard.press("Enter")  # opens the panel
    expect(page.get_by_label("Action")).to_be_visible()
    expect(page.get_by_label("Action")).to_have_value("request_update")
    for fault in chosen:
        tab_to(page, f"select-{fault.pk}")
        page.keyboard.press("Space")
        expect(page.get_by_label(f"Select {fault.buyer_fault_reference}")).to_be_checked()
    expect(
        page.get_by_label(f"Select {faults['untouched'].buyer_fault_reference}")
    ).not_to_be_checked()
    accessible(page)
    screenshot(page, f"bulk-list-{color_scheme}")

    tab_to(page, "bulk-apply", backwards=True)
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/faults/bulk/\d+/$"))
    expect(page.get_by_role("heading", name="Bulk action: Request an update")).to_be_visible()
    expect(page.locator("#bulk-counts")).to_have_text("2 done · 1 refused · 0 waiting, of 3")
    results = page.get_by_role("table", name="Result per fault")
    for fault in (faults["accepted"], faults["in_progress"]):
        row = results.get_by_role("row", name=re.compile(fault.buyer_fault_reference))
        expect(row).to_contain_text("Done")
        expect(row).to_contain_text("A full update was requested from Test Supplier.")
    draft_row = results.get_by_role("row", name=re.compile(faults["draft"].buyer_fault_reference))
    expect(draft_row).to_contain_text("Refused")
    expect(draft_row).to_contain_text("'request_update' is not allowed from draft.")
    expect(results.get_by_role("row")).to_have_count(4)  # the header and three faults
    accessible(page)
    screenshot(page, f"bulk-results-{color_scheme}")

    # The link of a result opens the fault, from the keyboard too.
    link = results.get_by_role("link", name=faults["accepted"].buyer_fault_reference)
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/faults/{faults['accepted'].buyer_fault_reference}/")


def test_select_all_on_this_page_ticks_every_row_from_the_keyboard(browser_as, agent_user, faults):
    page = browser_as(agent_user)
    page.goto("/faults/")
    select_all = page.get_by_label("Select all on this page")
    rows = page.locator('input[form="bulk-actions"][name="fault"]')

    tab_to(page, "bulk-select-page")
    page.keyboard.press("Space")
    expect(select_all).to_be_checked()
    for index in range(rows.count()):
        expect(rows.nth(index)).to_be_checked()
    page.keyboard.press("Tab")  # the first row's checkbox (the table's region comes before)
    tab_to(page, f"select-{faults['untouched'].pk}")
    page.keyboard.press("Space")
    assert page.evaluate("() => document.getElementById('bulk-select-page').indeterminate")
    page.keyboard.press("Shift+Tab")
    tab_to(page, "bulk-select-page", backwards=True)
    page.keyboard.press("Space")  # from "some": every row
    expect(rows.first).to_be_checked()
    page.keyboard.press("Space")
    for index in range(rows.count()):
        expect(rows.nth(index)).not_to_be_checked()


def test_a_long_run_goes_to_a_celery_worker_and_the_page_follows_it_to_the_end(
    browser_as, agent_user, partner, buyer_identifier, sla_policy, start_worker
):
    start_worker()
    many = FaultFactory.create_batch(
        60, supplier=partner, buyer_identifier=buyer_identifier, status=FaultStatus.IN_PROGRESS
    )
    page = browser_as(agent_user)
    page.goto("/faults/?status=in-progress")
    expect(page.locator("#fault-count")).to_contain_text("of 60")

    page.locator("#bulk-summary").press("Enter")
    page.get_by_label("All 60 matching the filters").check()
    page.get_by_label("Action").select_option("add_note")
    page.get_by_label(re.compile("^Note")).fill("Area power cut: the supplier knows.")
    page.get_by_role("button", name="Apply to the chosen faults").press("Enter")

    page.wait_for_url(re.compile(r"/faults/bulk/\d+/$"))
    run = BulkRun.objects.get()
    assert BulkRunItem.objects.filter(run=run).count() == 60
    # The worker applies them; the page polls until none is waiting.
    expect(page.get_by_role("heading", name="Finished")).to_be_visible(timeout=60_000)
    expect(page.locator("#bulk-counts")).to_have_text("60 done · 0 refused · 0 waiting, of 60")
    accessible(page)
    screenshot(page, "bulk-worker-finished")
    for fault in many:
        assert FaultNote.objects.filter(fault=fault).count() == 1
        assert FaultEvent.objects.filter(fault=fault, kind="note").count() == 1
    run.refresh_from_db()
    assert run.finished_at is not None


@pytest.fixture
def broker_down():
    """Celery's broker unreachable, as when Redis is down."""
    from config.celery import app
    from tests.e2e.conftest import _point_celery_at

    before = app.conf.broker_url
    _point_celery_at("redis://127.0.0.1:9/0")
    yield
    _point_celery_at(before)


def test_with_the_broker_down_the_run_waits_and_its_page_follows_it_when_it_is_applied(
    browser_as, agent_user, agent, partner, buyer_identifier, sla_policy, settings, broker_down
):
    settings.BULK_INLINE_MAX = 2
    FaultFactory.create_batch(
        6, supplier=partner, buyer_identifier=buyer_identifier, status=FaultStatus.IN_PROGRESS
    )
    page = browser_as(agent_user)
    page.goto("/faults/")
    page.locator("#bulk-summary").press("Enter")
    page.get_by_label("All 6 on this page").check()
    page.get_by_label("Action").select_option("add_note")
    page.get_by_label(re.compile("^Note")).fill("Exchange flooded.")
    page.get_by_role("button", name="Apply to the chosen faults").press("Enter")

    # The request still answers: the run is recorded, its faults wait for a worker.
    page.wait_for_url(re.compile(r"/faults/bulk/\d+/$"))
    expect(page.get_by_role("heading", name="In progress")).to_be_visible()
    expect(page.locator("#bulk-counts")).to_have_text("0 done · 0 refused · 6 waiting, of 6")
    run = BulkRun.objects.get()
    for item in BulkRunItem.objects.filter(run=run).order_by("pk")[:3]:
        bulk_item_apply(item_id=item.pk, run=run, actor=agent)
    expect(page.locator("#bulk-counts")).to_have_text("3 done · 0 refused · 3 waiting, of 6")
    accessible(page)
    screenshot(page, "bulk-progress")

    apply_bulk_run(run.pk)  # what the resumed task does
    expect(page.get_by_role("heading", name="Finished")).to_be_visible()
    expect(page.locator("#bulk-counts")).to_have_text("6 done · 0 refused · 0 waiting, of 6")
    assert FaultNote.objects.filter(text="Exchange flooded.").count() == 6
