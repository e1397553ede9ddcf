"""The API docs (/api/docs/) in a real browser: Swagger UI, served from our own static files,
draws the schema with no request to any other host (the rig in tests/e2e/conftest.py fails any
browser test whose pages reach another host), as it must on a closed network."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_draw_the_schema_from_our_own_server(browser_as, agent_user):
    page = browser_as(agent_user)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))

    page.goto("/api/docs/")

    expect(page.get_by_role("heading", name=re.compile("NOC fault management API"))).to_be_visible()
    expect(page.get_by_text("/api/v1/faults/", exact=True).first).to_be_visible()
    # Elsewhere than on localhost, Swagger UI would fetch a validity badge from swagger.io.
    assert page.evaluate("ui.getConfigs().validatorUrl") is None
    assert problems == []
    screenshot(page, "api-docs")
