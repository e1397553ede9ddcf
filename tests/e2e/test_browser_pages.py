"""Every main page in a real browser over the demo data, as the role that uses it, in the light
and the dark theme: what a person reads is there (the heading and the key labels and figures),
no template syntax or stray text shows, the theme asked for is the one drawn, it renders
without a script error or a missing asset, every control has an accessible name, axe-core finds
no WCAG 2 AA violation, and a desktop screenshot of it is kept under var/screenshots/ (CI
artifacts; look at them). Every HTML answer the browser gets is also checked for leaked
template syntax by the rig (tests/e2e/conftest.py)."""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from devtools.demo import DEMO_PARTNER_SLUG, demo_data_load
from faults.models import Fault
from integrations.models import Partner
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import screenshot
from tests.factories import FaultFactory
from tests.helpers import bring_to
from tests.template_leaks import check_page_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# axe-core's WCAG 2 A and AA rules (contrast, names, keyboard access to scrolling regions, …).
WCAG_AA = ["wcag2a", "wcag2aa"]
UNLABELLED_CONTROLS = """() => [...document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button')]
  .filter(el => el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby') && !(el.tagName === 'BUTTON'
                && el.textContent.trim()))
  .map(el => el.outerHTML.slice(0, 120))"""
# A text box or a list squeezed narrower than this is a broken layout, not a design.
NARROW_CONTROLS = """() => [...document.querySelectorAll(
    'input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea')]
  .filter(el => el.offsetParent !== null && el.getBoundingClientRect().width < 120)
  .map(el => (el.name || el.id) + ' ' + Math.round(el.getBoundingClientRect().width) + 'px')"""
# Labels written as Django writes them by default ("Search:"), unlike every other label.
LABELS_WITH_COLONS = """() => [...document.querySelectorAll('label, legend')]
  .filter(el => el.checkVisibility())
  .map(el => el.textContent.trim())
  .filter(text => text.endsWith(':'))"""
# A field's help text belongs under its control, not between the label and the control.
HELP_ABOVE_ITS_CONTROL = """() => [...document.querySelectorAll('[aria-describedby]')]
  .filter(el => el.checkVisibility())
  .flatMap(el => el.getAttribute('aria-describedby').split(/\\s+/)
    .filter(id => id.endsWith('_helptext'))
    .map(id => [el, document.getElementById(id)]))
  .filter(([el, help]) => help && help.checkVisibility() && !el.contains(help)
    && help.getBoundingClientRect().top < el.getBoundingClientRect().top)
  .map(([el, help]) => (el.name || el.id) + ': ' + help.textContent.trim().slice(0, 60))"""
# Text that sits loose in the page's frame rather than in an element of the page (a leaked
# template comment landed there, above the navigation).
STRAY_TEXT = """() => [...document.querySelectorAll('body, body > header, nav, main')]
  .flatMap(el => [...el.childNodes])
  .filter(node => node.nodeType === Node.TEXT_NODE && node.textContent.trim())
  .map(node => node.textContent.trim().slice(0, 120))"""
# How light the page's background is drawn (0 black … 1 white): the first element up from the
# body that paints one (Pico paints the root).
BACKGROUND_LIGHTNESS = """() => {
  for (const el of [document.body, document.documentElement]) {
    const [r, g, b, a] = getComputedStyle(el).backgroundColor.match(/[\\d.]+/g).map(Number);
    if (a !== 0) { return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255; }
  }
  return null;
}"""


@dataclass(frozen=True)
class MainPage:
    name: str
    path: str
    heading: str
    # What a person reads there: labels, section titles, figures of the demo data.
    reads: tuple[str, ...]


LOGIN = MainPage("login", "/accounts/login/", "Log in", ("Username", "Password", "Log in"))
AGENT_PAGES = (
    MainPage(
        "queue",
        "/queue/",
        "My queue",
        (
            "Exceptions to act on",
            "Rejected in the last 7 days",
            "Resolved, awaiting our answer",
            "On hold, waiting for our information",
            "Messages the supplier refused or never received",
            "SLA at risk or breached",
            "My drafts",
            "DEMO-0006",
        ),
    ),
    MainPage(
        "fault-list",
        "/faults/",
        "Faults",
        (
            "Search",
            "Supplier",
            "Priority",
            "Apply filters",
            "Clear filters",
            "Reference",
            "Service",
            "Status",
            "DEMO-",
        ),
    ),
    MainPage(
        "raise-form",
        "/faults/new/",
        "Raise a fault",
        (
            "are needed to submit the fault to the supplier",
            "A draft needs only Supplier, Service ID, Fault type and Priority.",
            "Service affected",
            "Service ID",
            "Fault type",
            "Fault start time",
            "Triage complete",
            "Site access",
            "site access contact (name, phone or e-mail)",
            "Submit to supplier",
            "Save draft",
        ),
    ),
    MainPage(
        "fault-detail-on-hold",
        "/faults/DEMO-0005/",
        "Fault DEMO-0005",
        ("On hold", "Status reason", "Supplier's reference", "SLA", "Timeline", "Actions"),
    ),
    MainPage(
        "fault-detail-resolved",
        "/faults/DEMO-0006/",
        "Fault DEMO-0006",
        (
            "Resolved",
            "Auto-closes in",
            "The supplier resolved the fault",
            "Accept resolution",
            "Reject resolution",
            "Timeline",
        ),
    ),
    MainPage(
        "exceptions",
        "/exceptions/",
        "Open exceptions",
        ("SLA breached", "Escalate with the supplier", "No update from", "Solve"),
    ),
    MainPage(
        "integration-health",
        "/integrations/health/",
        "Integration health",
        ("Demo Supplier (simulator)", "Inbound", "Outbound", "Last 24 h", "All time"),
    ),
)
MANAGER_PAGES = (
    MainPage(
        "sla-dashboard-demo",
        "/dashboard/",
        "SLA dashboard",
        ("Open now", "Median time to repair", "By supplier and priority", "Weekly trends"),
    ),
    MainPage(
        "escalations",
        "/exceptions/escalations/",
        "Suppliers to escalate with",
        ("Open exceptions", "Oldest raised", "Demo Supplier (simulator)"),
    ),
)
WALLBOARD = MainPage(
    "wallboard",
    "/wallboard/",
    "",
    ("Wallboard", "SLA breached", "Open faults by status", "Breached and at risk"),
)


@pytest.fixture
def demo(tmp_path):
    demo_data_load(password=TEST_PASSWORD, pki_dir=tmp_path / "pki")
    return {name: get_user_model().objects.get(username=name) for name in ("agent", "manager")}


def _reads_as_a_person_would(page: Page, main: MainPage, *, dark: bool) -> None:
    if main.heading:
        expect(page.get_by_role("heading", level=1)).to_contain_text(main.heading)
    for text in main.reads:
        expect(page.get_by_text(text, exact=False).filter(visible=True).first).to_be_visible()
    check_page_text(page.locator("body").inner_text(), where=main.path)
    assert page.evaluate(STRAY_TEXT) == [], main.path
    lightness = page.evaluate(BACKGROUND_LIGHTNESS)
    assert (lightness < 0.25) if dark else (lightness > 0.75), (main.path, lightness)


def _check(page: Page, main: MainPage, problems: list[str], *, dark: bool) -> None:
    failed_assets: list[str] = []
    page.on("response", lambda r: r.status >= 400 and failed_assets.append(f"{r.status} {r.url}"))
    page.goto(main.path)
    _reads_as_a_person_would(page, main, dark=dark)
    assert page.evaluate(UNLABELLED_CONTROLS) == [], main.path
    assert page.evaluate(NARROW_CONTROLS) == [], main.path
    assert page.evaluate(LABELS_WITH_COLONS) == [], main.path
    assert page.evaluate(HELP_ABOVE_ITS_CONTROL) == [], main.path
    axe = Axe().run(page, options={"resultTypes": ["violations"], "runOnly": WCAG_AA})
    assert axe.violations_count == 0, f"{main.path}\n{axe.generate_report()}"
    assert [a for a in failed_assets if "favicon" not in a] == [], main.path
    assert problems == [], problems


def _watch_errors(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and "favicon" not in m.location.get("url", "")
            and problems.append(m.text)
        ),
    )
    return problems


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_main_pages_read_right_render_labelled_and_without_errors(
    browser_window, browser_as, demo, color_scheme
):
    dark = color_scheme == "dark"
    visitor = browser_window(color_scheme=color_scheme)
    _check(visitor, LOGIN, _watch_errors(visitor), dark=dark)
    screenshot(visitor, f"{LOGIN.name}-{color_scheme}")

    agent = browser_as(demo["agent"], color_scheme=color_scheme)
    problems = _watch_errors(agent)
    for main in AGENT_PAGES:
        _check(agent, main, problems, dark=dark)
        # The theme switch says what it would switch to.
        expect(agent.locator("#theme-toggle")).to_have_text("Light mode" if dark else "Dark mode")
        screenshot(agent, f"{main.name}-{color_scheme}")

    manager = browser_as(demo["manager"], color_scheme=color_scheme)
    problems = _watch_errors(manager)
    for main in MANAGER_PAGES:
        _check(manager, main, problems, dark=dark)
        if main.name == "sla-dashboard-demo":
            expect(manager.locator("canvas").first).to_be_visible()  # the trend charts drew
        screenshot(manager, f"{main.name}-{color_scheme}")


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_the_wallboard_is_dark_large_and_refreshes_itself(browser_as, demo, color_scheme):
    page = browser_as(demo["manager"], color_scheme=color_scheme)
    problems = _watch_errors(page)

    # Always dark, whatever the screen's system prefers.
    _check(page, WALLBOARD, problems, dark=True)

    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    panel = page.locator("[aria-live=polite]").first
    expect(panel).to_have_attribute("hx-trigger", "every 30s")
    font_px = float(page.evaluate("getComputedStyle(document.body).fontSize").rstrip("px"))
    assert font_px >= 24
    screenshot(page, f"wallboard-{color_scheme}")


SCREENS = [{"width": 1920, "height": 1080}, {"width": 1440, "height": 900}]
PAGE_SIZE = """() => ({scrollHeight: document.documentElement.scrollHeight,
  scrollWidth: document.documentElement.scrollWidth,
  innerHeight: window.innerHeight, innerWidth: window.innerWidth})"""


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s['width']}x{s['height']}")
def test_the_wallboard_fits_the_noc_screen_without_scrolling(browser_as, demo, screen):
    # Given many more faults breached than a screen can list.
    partner = Partner.objects.get(slug=DEMO_PARTNER_SLUG)
    for n in range(30):
        bring_to(
            FaultFactory(supplier=partner, buyer_identifier=partner.buyer_identifiers.get()),
            "in-progress",
            start=timezone.now() - timedelta(days=10, minutes=n),
        )
    alerts = Fault.objects.filter(sla_state__in=("at-risk", "breached")).exclude(
        status__in=("closed", "cancelled", "rejected")
    )
    page = browser_as(demo["manager"])
    page.set_viewport_size(screen)

    page.goto("/wallboard/")

    size = page.evaluate(PAGE_SIZE)
    assert size["scrollHeight"] <= size["innerHeight"], size
    assert size["scrollWidth"] <= size["innerWidth"], size
    # Large type for a screen across the room.
    assert float(page.evaluate("getComputedStyle(document.body).fontSize").rstrip("px")) >= 24
    figure_px = page.locator("[data-figure=breached] .figure").evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)"
    )
    assert figure_px >= 64
    # The list is bounded, and says how many it leaves out.
    rows = page.locator("#wallboard-alerts-table tbody tr").count()
    more = alerts.count() - rows
    assert rows >= 4 and more > 0
    expect(page.get_by_text(f"and {more} more at risk or breached")).to_be_visible()
    screenshot(page, f"wallboard-{screen['width']}x{screen['height']}")


HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def test_html_typed_into_a_description_and_a_comment_is_shown_as_text(browser_as, demo):
    page = browser_as(demo["agent"])
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto("/faults/new/")
    page.get_by_label("Service ID").fill("CFH-XSS-1")
    page.get_by_label("Fault type").select_option("Impaired Service")
    page.get_by_label("Description").fill(HOSTILE)
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/faults/NOC-[^/]+/$"))
    page.get_by_label("Comment").fill(HOSTILE)
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_text("Comment added", exact=False)).to_be_visible()

    # Shown literally, twice on the detail page (description and comment) and in the list.
    expect(page.get_by_text(HOSTILE)).to_have_count(2)
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    page.goto("/faults/?q=CFH-XSS-1")
    expect(page.get_by_role("link", name=re.compile("NOC-"))).to_have_count(1)
    page.goto("/queue/")  # the draft is listed under "My drafts"
    expect(page.get_by_text("CFH-XSS-1")).to_be_visible()
    assert dialogs == []


# The runs of text that break across lines, with their column's heading: a reference, a date or a
# badge cut in two (only prose may wrap).
BROKEN_TEXT = """(table) => {
  const headings = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim());
  const broken = [];
  for (const row of table.querySelectorAll('tbody tr')) {
    [...row.cells].forEach((cell, i) => {
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = document.createRange();
        text.selectNodeContents(node);
        const lines = new Set([...text.getClientRects()].map(rect => Math.round(rect.top)));
        if (lines.size > 1) { broken.push(headings[i] + ': ' + node.textContent.trim()); }
      }
    });
  }
  return broken;
}"""
PROSE_COLUMNS = {"Supplier", "Type"}  # a supplier's name and a fault type may wrap


def test_the_fault_list_reads_row_by_row_at_desktop_width(browser_as, demo):
    page = browser_as(demo["agent"])
    page.goto("/faults/")
    filters = page.get_by_role("form", name="Filter the faults")

    # The one checkbox on its own sits on the line of the buttons, not alone on a line.
    mine = filters.get_by_label("Only faults I raised").bounding_box()
    apply = filters.get_by_role("button", name="Apply filters").bounding_box()
    assert abs((mine["y"] + mine["height"] / 2) - (apply["y"] + apply["height"] / 2)) < 12
    # Buttons sized to their words, not bars across the page.
    assert apply["width"] < 300

    # The table fits the page, and references, dates and badges do not break across lines.
    region = page.get_by_role("region", name="Faults")
    assert region.evaluate("el => el.scrollWidth <= el.clientWidth")
    broken = page.locator("table.fault-list").evaluate(BROKEN_TEXT)
    assert [text for text in broken if text.split(":")[0] not in PROSE_COLUMNS] == []
    screenshot(page, "fault-list-layout")


def test_a_filter_error_is_said_once_and_its_field_marked_until_fixed(browser_as, demo):
    page = browser_as(demo["agent"])
    page.goto("/faults/")
    filters = page.get_by_role("form", name="Filter the faults")
    created_to = filters.get_by_label("Created to")

    filters.get_by_label("Created from").fill("2026-02-10")
    created_to.fill("2026-02-01")
    created_to.dispatch_event("change")

    summary = page.locator(".filter-errors")
    expect(summary).to_contain_text("Created to: The end date is before the start date.")
    expect(page.get_by_text("The end date is before the start date.")).to_have_count(1)
    expect(created_to).to_have_attribute("aria-invalid", "true")
    expect(created_to).to_have_accessible_description(re.compile("end date is before"))
    created_to.blur()  # the screenshot shows the field's mark, not its focus ring
    screenshot(page, "fault-list-filter-error")
    summary.get_by_role("link", name="Created to").click()
    expect(created_to).to_be_focused()

    created_to.fill("2026-02-20")
    created_to.dispatch_event("change")

    expect(summary).to_have_count(0)
    expect(created_to).not_to_have_attribute("aria-invalid", "true")


def test_the_fault_header_sets_the_description_apart_from_the_facts(browser_as, demo):
    page = browser_as(demo["agent"])
    page.goto("/faults/DEMO-0005/")
    header = page.locator("#fault-header")
    facts_bottom = max(
        box["y"] + box["height"]
        for box in (header.locator("dl").nth(i).bounding_box() for i in range(2))
    )
    toggle = header.get_by_text("Description", exact=True)

    # A line's height at least between the last fact ("Service …") and the toggle.
    gap = toggle.bounding_box()["y"] - facts_bottom
    line = float(toggle.evaluate("el => parseFloat(getComputedStyle(el).fontSize)"))
    assert gap >= line, gap
    # It reads as the title of what it opens, not as a faint afterthought.
    assert int(toggle.evaluate("el => getComputedStyle(el).fontWeight")) >= 600
    expect(header.locator("#fault-description")).to_be_visible()
    screenshot(page, "fault-header-description")


def test_the_dashboard_filters_end_in_buttons_not_bars(browser_as, demo):
    # Apply and Export CSV were two halves of a bar across the page, as the fault list's were.
    page = browser_as(demo["manager"])
    page.goto("/dashboard/")
    filters = page.get_by_role("form", name="Dashboard filters")

    apply = filters.get_by_role("button", name="Apply").bounding_box()
    export = filters.get_by_role("button", name="Export CSV").bounding_box()

    assert apply["width"] < 300 and export["width"] < 300
    assert abs(apply["y"] - export["y"]) < 4  # side by side
