"""The frame of every page in a real browser: logging in, the role's navigation, dark mode that
survives a reload, and logging out."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_navigation_dark_mode_and_logout(browser_as, manager_user):
    page = browser_as(manager_user)

    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="SLA dashboard")).to_be_visible()
    expect(nav.get_by_role("link", name="Raise a fault")).to_have_count(0)

    toggle = page.get_by_role("button", name="Dark mode")
    toggle.click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(page.get_by_role("button", name="Light mode")).to_have_attribute("aria-pressed", "true")

    page.get_by_role("button", name="Log out").click()
    page.goto("/faults/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    screenshot(page, "login")


def test_keyboard_user_can_skip_to_the_content(browser_as, agent_user):
    page = browser_as(agent_user)

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
