"""What the pages say and how they lay it out, seen in a real browser (issue 10 #16, #17, #20):
the supplier's reasons in words on the fault page and the queue, a refused resolution acceptance
in the agent's queue with what to do, and the SLA dashboard readable at 1440 px in both themes.

The supplier is the simulator over mutual TLS; outbound messages are delivered and inbound ones
applied in this process (`outbox_deliver`, `inbox_apply`: the same functions the worker runs),
so the tests run on SQLite as well as PostgreSQL. Screenshots go to var/screenshots/."""

import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from devtools.demo import demo_data_load
from faults.models import Fault
from faults.services import Actor, fault_create_draft, fault_submit
from integrations.choices import InboundStatus
from integrations.inbox import inbox_apply
from integrations.models import InboundMessage, OutboundMessage
from integrations.outbox import outbox_deliver
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WAIT = 15.0


# --- the supplier's reasons, and a refused message in the queue -------------------------------


def raised(partner, service_id: str, agent) -> Fault:
    fault = fault_create_draft(
        actor=Actor.for_user(agent),
        supplier=partner,
        service_id=service_id,
        fault_type="Impaired Service",
        priority=2,
        description="No sync since 09:00",
        fault_start_time=timezone.now() - timedelta(hours=2),
        fault_location="Cabinet 12, Example Street",
        site_access_details="Reception, 24/7",
        site_access_contact_phone="01632 960000",
        triage_complete=True,
        triage_findings="Light level low at the ONT",
    )
    return fault_submit(fault_id=fault.pk, actor=Actor.for_user(agent))


def deliver_all(fault: Fault) -> None:
    for message in OutboundMessage.objects.filter(fault=fault, status="pending"):
        outbox_deliver(outbound_id=message.pk)


def apply_until(fault: Fault, status: str) -> Fault:
    """Apply what the simulator notified, as the inbox task would, until the fault is `status`."""
    deadline = time.monotonic() + WAIT
    while True:
        for inbound in InboundMessage.objects.filter(status=InboundStatus.RECEIVED).order_by("id"):
            inbox_apply(inbound_id=inbound.pk)
        fault.refresh_from_db()
        if fault.status == status:
            return fault
        assert time.monotonic() < deadline, f"{fault} is {fault.status}, not {status}"
        time.sleep(0.1)


@pytest.fixture
def agent(e2e_partner, agent_user):
    return agent_user


def test_a_suppliers_refusal_reads_as_a_sentence_on_the_fault_page_and_the_queue(
    browser_as, simulator, e2e_partner, agent
):
    fault = raised(e2e_partner, "SIM-REJECT-E2E-1", agent)
    deliver_all(fault)
    page = browser_as(agent)

    page.goto(f"/faults/{fault.buyer_fault_reference}/")
    reason = page.locator("#fault-status-reason")
    expect(reason).to_have_text(
        "Status reason: Service ID: Service 'SIM-REJECT-E2E-1' is not valid"
    )
    screenshot(page, "fault-detail-rejected-reason")
    page.goto("/queue/")
    rejected = page.locator("#queue-rejected")
    expect(rejected).to_contain_text("Service ID: Service 'SIM-REJECT-E2E-1' is not valid")
    expect(rejected).not_to_contain_text("{")
    screenshot(page, "queue-rejected-reason")


def test_a_refused_resolution_acceptance_reaches_the_agents_queue(
    browser_as, start_simulator, e2e_partner, agent
):
    start_simulator(step_delay=0.05)
    fault = raised(e2e_partner, "SIM-REFUSE-RESOLVE-E2E-1", agent)
    deliver_all(fault)
    apply_until(fault, "resolved")
    page = browser_as(agent)

    # The agent accepts the resolution; the supplier refuses our resolveResponse.
    page.goto(f"/faults/{fault.buyer_fault_reference}/")
    page.get_by_role("button", name="Accept resolution").click()
    expect(page.locator("#fault-status")).to_contain_text("closed", ignore_case=True)
    deliver_all(fault)

    page.goto("/queue/")
    section = page.locator("#queue-dead")
    expect(section.locator("[data-section-count=dead]")).to_have_text("1")
    row = section.locator("tbody tr")
    expect(row).to_contain_text("Our acceptance of the resolution")
    expect(row).to_contain_text("Refused by the supplier (HTTP 400)")
    expect(row).to_contain_text(
        "Answer to the resolution: The resolution is under review by our quality team"
    )
    expect(row).to_contain_text("contact the supplier")
    expect(row.get_by_role("link", name="Open the fault")).to_be_visible()
    expect(row.get_by_role("button", name=re.compile("^Retry"))).to_be_visible()
    screenshot(page, "queue-refused-resolution")

    row.get_by_role("button", name=re.compile("^Dismiss")).click()
    page.wait_for_url("**/queue/")
    expect(page.locator("#queue-dead [data-section-count=dead]")).to_have_text("0")
    page.goto(f"/faults/{fault.buyer_fault_reference}/")
    dismissal = page.locator("#fault-timeline li[data-kind=message-dismissed]")
    expect(dismissal).to_contain_text(f"Message dismissed · {agent.username}")


# --- the SLA dashboard at 1440 px, in both themes ---------------------------------------------

CUT_OFF = """() => [...document.querySelectorAll('main table')].flatMap(table => {
  const box = table.parentElement.getBoundingClientRect();
  return [...table.querySelectorAll('th, td')].filter(cell => {
    const r = cell.getBoundingClientRect();
    return r.right > Math.min(box.right, window.innerWidth) + 1;
  }).map(cell => (table.id || table.className) + ': ' + cell.textContent.trim());
})"""
CONTRAST = """([foreground, background]) => {
  const rgb = c => { const d = document.createElement('div'); d.style.color = c;
    document.body.appendChild(d); const v = getComputedStyle(d).color; d.remove();
    return v.match(/[\\d.]+/g).slice(0, 3).map(Number); };
  const lum = c => { const [r, g, b] = rgb(c).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const [a, b] = [lum(foreground), lum(background)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""
# The colour the page is painted with: the first opaque background from the body up.
BACKGROUND = r"""() => { for (let el = document.body; el; el = el.parentElement) {
    const c = getComputedStyle(el).backgroundColor;
    if (c && !/rgba\(.*, 0\)$/.test(c) && c !== 'transparent') { return c; } }
  return 'rgb(255, 255, 255)'; }"""
AXIS_COLOURS = """() => { const chart = Chart.getChart('chart-flow');
  return [chart.options.scales.x.ticks.color, chart.options.scales.y.ticks.color,
          chart.options.plugins.legend.labels.color]; }"""


@pytest.fixture
def manager(tmp_path):
    demo_data_load(password=TEST_PASSWORD, pki_dir=tmp_path / "pki")
    return get_user_model().objects.get(username="manager")


def _axis_contrasts(page: Page) -> list[float]:
    background = page.evaluate(BACKGROUND)
    return [page.evaluate(CONTRAST, [colour, background]) for colour in page.evaluate(AXIS_COLOURS)]


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_the_dashboard_fits_1440_px_and_its_charts_are_readable(browser_as, manager, color_scheme):
    page = browser_as(manager, color_scheme=color_scheme)

    page.goto("/dashboard/")
    screenshot(page, f"sla-dashboard-{color_scheme}")

    # The default period is named as the preset it is.
    expect(page.get_by_label("Preset")).to_have_value("28")
    # Every column of every table is on screen: no page or table scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
    assert page.evaluate(CUT_OFF) == []
    for header in ("At risk", "Breached", "P90", "On-hold share", "Rejected raises"):
        cell = page.locator("main table th", has_text=header).first
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 1440, header
    # Median time to repair is hours, not the "0 m" of an SLA calendar that was closed.
    p2_median = page.locator("#table-repair tbody tr", has_text="P2").locator("td").nth(3)
    assert not re.fullmatch(r"\d+ m", p2_median.inner_text().strip())
    # Axis labels and legend contrast with the page (WCAG AA for text: 4.5:1).
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-flow')")
    assert min(_axis_contrasts(page)) >= 4.5, _axis_contrasts(page)
    screenshot(page, f"sla-dashboard-{color_scheme}")


def test_the_chart_colours_follow_the_theme_switch(browser_as, manager):
    page = browser_as(manager, color_scheme="light")
    page.goto("/dashboard/")
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-flow')")
    light = page.evaluate(AXIS_COLOURS)

    page.get_by_role("button", name="Dark mode").click()

    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert page.evaluate(AXIS_COLOURS) != light
    assert min(_axis_contrasts(page)) >= 4.5


# --- the demo history reads as history (issue 10 #18) ------------------------------------------


def test_the_demo_history_is_dated_as_it_happened(browser_as, manager, agent_user):
    history = Fault.objects.filter(buyer_fault_reference__startswith="DEMO-H")
    oldest = history.order_by("submitted_at").first()
    day = timezone.localtime(oldest.created_at).date()
    page = browser_as(get_user_model().objects.get(username="agent"))

    page.goto(f"/faults/?created_from={day}&created_to={day}")
    expect(page.get_by_role("link", name=oldest.buyer_fault_reference)).to_be_visible()
    expect(page.get_by_role("link", name="DEMO-0002")).to_have_count(0)
    screenshot(page, "fault-list-history-day")

    page.goto(f"/faults/{oldest.buyer_fault_reference}/")
    timeline = page.locator("#fault-timeline")
    expect(timeline).not_to_contain_text("Last error")
    expect(timeline).not_to_contain_text(str(timezone.localdate()))
    expect(timeline.locator(".timeline-created time")).to_contain_text(str(day))
    screenshot(page, "fault-detail-history")

    page.goto("/wallboard/")
    # Faults raised (not drafts) since local midnight. The demo's current faults were made "hours
    # ago", so just after midnight some of them are yesterday's: counted from their dates, not
    # assumed to be today's.
    today = timezone.localdate()
    raised_today = sum(
        1
        for fault in Fault.objects.exclude(status="draft")
        if timezone.localtime(fault.created_at).date() == today
    )
    assert raised_today < history.count() / 2  # the history spreads over six weeks
    expect(page.locator("[data-figure=raised-today] .figure")).to_have_text(str(raised_today))
