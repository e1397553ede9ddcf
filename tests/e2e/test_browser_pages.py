"""Every main page in a real browser over the demo data, as the role that uses it, in the light
and the dark theme: it renders without a script error or a missing asset, every control has an
accessible name, axe-core finds no WCAG 2 AA violation, and a desktop screenshot of it is kept
under var/screenshots/ (CI artifacts)."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from integrations.demo import demo_data_load
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import screenshot

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

AGENT_PAGES = {
    "queue": ("/queue/", "My queue"),
    "fault-list": ("/faults/", "Faults"),
    "raise-form": ("/faults/new/", "Raise a fault"),
    "fault-detail-on-hold": ("/faults/DEMO-0005/", "DEMO-0005"),
    "fault-detail-resolved": ("/faults/DEMO-0006/", "DEMO-0006"),
    "integration-health": ("/integrations/health/", "Integration health"),
}
MANAGER_PAGES = {"sla-dashboard-demo": ("/dashboard/", "SLA dashboard")}


@pytest.fixture
def demo(tmp_path):
    demo_data_load(password=TEST_PASSWORD, pki_dir=tmp_path / "pki")
    return {name: get_user_model().objects.get(username=name) for name in ("agent", "manager")}


def _check(page: Page, path: str, heading: str, problems: list[str]) -> None:
    failed_assets: list[str] = []
    page.on("response", lambda r: r.status >= 400 and failed_assets.append(f"{r.status} {r.url}"))
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    assert page.evaluate(UNLABELLED_CONTROLS) == [], path
    assert page.evaluate(NARROW_CONTROLS) == [], path
    axe = Axe().run(page, options={"resultTypes": ["violations"], "runOnly": WCAG_AA})
    assert axe.violations_count == 0, f"{path}\n{axe.generate_report()}"
    assert [a for a in failed_assets if "favicon" not in a] == [], path
    assert problems == [], problems


def _watch_errors(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    return problems


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_main_pages_render_labelled_and_without_errors(browser_as, demo, color_scheme):
    agent = browser_as(demo["agent"], color_scheme=color_scheme)
    problems = _watch_errors(agent)
    for name, (path, heading) in AGENT_PAGES.items():
        _check(agent, path, heading, problems)
        screenshot(agent, f"{name}-{color_scheme}")

    manager = browser_as(demo["manager"], color_scheme=color_scheme)
    problems = _watch_errors(manager)
    for name, (path, heading) in MANAGER_PAGES.items():
        _check(manager, path, heading, problems)
        expect(manager.locator("canvas").first).to_be_visible()  # the trend charts drew
        screenshot(manager, f"{name}-{color_scheme}")


def test_the_wallboard_is_dark_large_and_refreshes_itself(browser_as, demo):
    page = browser_as(demo["manager"])
    problems = _watch_errors(page)

    _check(page, "/wallboard/", "", problems)

    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    panel = page.locator("[aria-live=polite]").first
    expect(panel).to_have_attribute("hx-trigger", "every 30s")
    font_px = float(page.evaluate("getComputedStyle(document.body).fontSize").rstrip("px"))
    assert font_px >= 24
    screenshot(page, "wallboard")


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
