"""Issue 17, hardening at the door: every main page answers with a Content-Security-Policy that
allows only our own scripts and styles, and the usual headers (never framed, no sniffing, a
referrer policy, a cross-origin opener policy). Read from the answers themselves, as a browser
receives them. That no page holds inline code the policy would block is checked on every HTML
answer of the test client (tests/csp_inline.py); the browser tests listen for violations."""

import pytest
from django.test import Client

from tests.factories import FaultFactory

pytestmark = pytest.mark.django_db


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_headers(answer, where: str) -> None:
    policy = directives(answer["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"], where
    assert policy["script-src"] == ["'self'"], where  # no inline, no eval, no CDN
    assert policy["style-src"][0] == "'self'", where
    assert not [s for s in policy["style-src"] if s in ("'unsafe-inline'", "*", "https:")], where
    assert policy["frame-ancestors"] == ["'none'"], where
    assert policy["object-src"] == ["'none'"], where
    assert answer["X-Frame-Options"] == "DENY", where
    assert answer["X-Content-Type-Options"] == "nosniff", where
    assert answer["Referrer-Policy"] == "same-origin", where
    assert answer["Cross-Origin-Opener-Policy"] == "same-origin", where


@pytest.fixture
def fault(partner, buyer_identifier):
    return FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)


def test_every_main_page_sends_the_policy_and_the_usual_headers(admin_user, fault):
    browser = Client()
    browser.force_login(admin_user)
    pages = [
        "/queue/",
        "/faults/",
        f"/faults/{fault.buyer_fault_reference}/",
        "/faults/new/",
        "/dashboard/",
        "/wallboard/",
        "/exceptions/",
        "/integrations/health/",
        "/admin/",
        "/admin/faults/fault/",
        "/admin/axes/accessattempt/",
        "/api/docs/",
    ]
    for path in pages:
        answer = browser.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        assert_headers(answer, path)

    anonymous = Client().get("/accounts/login/")
    assert anonymous.status_code == 200
    assert_headers(anonymous, "/accounts/login/")


def test_the_api_docs_load_swagger_ui_from_our_own_files_without_inline_code(admin_user):
    browser = Client()
    browser.force_login(admin_user)

    page = browser.get("/api/docs/").content.decode()

    assert "<style" not in page
    assert 'src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"' in page
    assert 'src="/api/docs/?script="' in page  # the init script, as a file
    script = browser.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content
    assert "http" not in page.replace("http-equiv", "")  # nothing from another host


def test_a_csrf_refusal_is_our_page_without_inline_style(admin_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)

    answer = browser.post("/faults/new/", {})

    assert answer.status_code == 403
    assert "<style" not in answer.content.decode()
    assert "CSRF token is missing or out of date" in answer.content.decode()
    assert_headers(answer, "CSRF refusal")
