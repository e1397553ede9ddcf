"""The edges of the web app, checked over every route there is, so a page added later is covered
too: login everywhere but the partner endpoints, CSRF on every POST, the admin for admins only."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from integrations.packages import enabled_packages
from tests.factories import FaultFactory

pytestmark = pytest.mark.django_db

# Partner endpoints authenticate by the partner's strategy (and the APIs by token, answering in
# their own shape), not by a login page: every enabled package's inbound URLs and public APIs.
PARTNER_PREFIXES = tuple(
    f"integrations/{package.protocol}/" for package in enabled_packages() if package.urls
)
# The ticket exceptions API (seed 003) takes JWT bearer tokens: tests/exceptions_api/test_routes.py.
API_PREFIXES = (
    "api/",
    "ticketExceptions/",
    *(prefix for p in enabled_packages() for prefix, _ in p.api_urls),
)
# Django's own pages that must answer anonymous visitors.
PUBLIC_PAGES = {"accounts/login/", "admin/login/"}
# Load balancers' health checks (open) and Prometheus' scrape (its own token: 401, not a login
# page): tests/ops.
OPS_ENDPOINTS = {"healthz", "readyz", "metrics"}


def _walk(patterns, prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _sample_path(route: str, reference: str) -> str | None:
    """A concrete path for a route: parameters filled with an existing fault's reference or 1.
    Regex routes of the admin and the API routers are turned into their literal prefix."""
    route = route.replace("^", "").replace("\\Z", "").replace("$", "")
    route = re.sub(r"<(?:str:|slug:|path:)?(?:reference|buyer_fault_reference)>", reference, route)
    route = re.sub(r"<(?:int:)?[a-z_]+>", "1", route)
    route = re.sub(r"<str:[a-z_]+>|<slug:[a-z_]+>|<path:[a-z_]+>", "x", route)
    route = re.sub(r"\(\?P<[a-z_]+>[^)]*\)", "1", route)
    if re.search(r"[()\[\]\\*+?]", route):
        return None  # a pattern we cannot instantiate; covered by its siblings
    return "/" + route


def _all_paths(reference: str) -> list[str]:
    paths = {_sample_path(route, reference) for route, _ in _walk(get_resolver().url_patterns)}
    return sorted(p for p in paths if p is not None)


@pytest.fixture
def fault(partner, buyer_identifier):
    return FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)


def _is_partner_or_api(path: str) -> bool:
    return path.lstrip("/").startswith(PARTNER_PREFIXES + API_PREFIXES)


def test_every_page_needs_a_login(client, fault):
    pages = [p for p in _all_paths(fault.buyer_fault_reference) if not _is_partner_or_api(p)]
    assert len(pages) > 10  # the sweep really walks the routes

    for path in pages:
        if path.lstrip("/") in PUBLIC_PAGES | OPS_ENDPOINTS or path.startswith("/static/"):
            continue
        answer = client.get(path)
        location = answer.get("Location", "")
        assert answer.status_code in (301, 302), (path, answer.status_code)
        assert "/login/" in location, (path, location)


def test_the_api_answers_anonymous_callers_401_or_403(client, fault):
    api = [p for p in _all_paths(fault.buyer_fault_reference) if p.startswith("/api/")]
    assert api

    for path in api:
        assert client.get(path).status_code in (401, 403, 405), path


def test_agents_and_managers_cannot_reach_the_admin(agent_user, manager_user, fault):
    admin_pages = [p for p in _all_paths(fault.buyer_fault_reference) if p.startswith("/admin/")]
    admin_pages = [p for p in admin_pages if p.lstrip("/") not in PUBLIC_PAGES][:40]
    for user in (agent_user, manager_user):
        browser = Client()
        browser.force_login(user)
        for path in admin_pages:
            answer = browser.get(path)
            assert answer.status_code in (302, 403, 404), (user, path, answer.status_code)
            if answer.status_code == 302:
                assert "/admin/login/" in answer["Location"], (user, path)


def test_every_post_without_a_csrf_token_is_refused(admin_user, fault):
    """Logged in as the most powerful role, with CSRF checks on as in a real browser: a POST
    to any page without the token is refused and changes nothing."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    pages = [p for p in _all_paths(fault.buyer_fault_reference) if not _is_partner_or_api(p)]
    before = fault.status, fault.updated_at

    for path in pages:
        answer = browser.post(path, {"reason": "x", "text": "x"})
        assert answer.status_code == 403, (path, answer.status_code)
        assert b"CSRF" in answer.content, path

    fault.refresh_from_db()
    assert (fault.status, fault.updated_at) == before


def test_every_post_form_on_the_pages_carries_a_csrf_token(admin_client, fault):
    pages = [p for p in _all_paths(fault.buyer_fault_reference) if not _is_partner_or_api(p)]
    seen_forms = 0
    for path in pages:
        if path.startswith(("/admin/", "/accounts/logout")):
            continue
        answer = admin_client.get(path)
        if answer.status_code != 200 or "text/html" not in answer.get("Content-Type", ""):
            continue
        html = answer.content.decode()
        for form in re.findall(r"<form\b[^>]*>.*?</form>", html, flags=re.S | re.I):
            if re.search(r'method="post"', form, flags=re.I):
                seen_forms += 1
                assert "csrfmiddlewaretoken" in form, (path, form[:200])
    assert seen_forms >= 1
