"""Issue 17, hardening at the door, in a real browser: an agent who mistypes their password too
often is told on the page when to try again and how to be unlocked (axe-clean, WCAG 2 AA); the
admin and Swagger UI run under the Content-Security-Policy (the shared fixture in
tests/e2e/conftest.py fails a test on any violation the browser reports)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import screenshot
from tests.e2e.test_browser_pages import WCAG_AA

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_locked_out_agent_reads_when_to_try_again_and_who_unlocks(
    browser_window, agent_user, settings
):
    settings.AXES_FAILURE_LIMIT = 3
    page = browser_window()
    page.goto("/accounts/login/")
    for _ in range(2):
        page.get_by_label("Username").fill(agent_user.username)
        page.get_by_label("Password").fill("wrong-password")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("alert")).to_contain_text("didn't match")

    page.get_by_label("Username").fill(agent_user.username)
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Too many failed logins")).to_be_visible()
    expect(page.get_by_text("You can try again at")).to_be_visible()
    expect(page.get_by_text(f"manage.py axes_reset_username {agent_user.username}")).to_be_visible()
    axe = Axe().run(page, options={"resultTypes": ["violations"], "runOnly": WCAG_AA})
    assert axe.violations_count == 0, axe.generate_report()
    screenshot(page, "login-locked-out")

    # The right password does not get in while locked.
    page.get_by_role("link", name="Back to the login page").click()
    page.get_by_label("Username").fill(agent_user.username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Too many failed logins")).to_be_visible()


def test_the_admin_and_the_api_docs_run_under_the_policy(browser_as, admin_user, partner):
    """Django's admin (its scripts, its change list's one inline style allowed by hash) and
    Swagger UI at /api/docs/ work with nothing blocked: the shared fixture fails on any
    violation the browser reports."""
    page = browser_as(admin_user)
    for path in (
        "/admin/",
        "/admin/integrations/partner/",
        f"/admin/integrations/partner/{partner.pk}/change/",
        "/admin/axes/accessattempt/",
    ):
        page.goto(path)
        expect(page.locator("#content")).to_be_visible()
    screenshot(page, "admin-axes-access-attempts")

    page.goto("/api/docs/")
    expect(page.get_by_role("heading", name="NOC fault management API")).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
    screenshot(page, "api-docs-under-csp")
