"""Shared fixtures, and the gate for tests that need real PostgreSQL or Redis.

A test marked `postgres`, `redis`, `browser` or `nginx` is skipped, with the reason, when the
service (or Chromium, or nginx) is not there; with REQUIRE_SERVICES=1 (CI) it fails instead, so
nothing is silently skipped.
"""

import os
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client

from devtools.pki import DemoPki, ensure_demo_pki
from faults.choices import SlaCalendar
from faults.roles import ADMIN, AGENT, MANAGER, ensure_role_groups
from faults.services import Actor
from integrations.choices import Environment
from tests.factories import BuyerIdentifierFactory, FaultFactory, PartnerFactory, SlaPolicyFactory

NEEDS_POSTGRES = "needs DATABASE_URL pointing at PostgreSQL"
NEEDS_REDIS = "needs CELERY_BROKER_URL pointing at Redis"
NEEDS_CHROMIUM = "needs Chromium at /usr/bin/chromium (apt-get install chromium)"
NEEDS_NGINX = "needs nginx at /usr/sbin/nginx (apt-get install nginx-light)"
TEST_PASSWORD = "test-password-123"


def _uses_postgres() -> bool:
    return "postgresql" in django_settings.DATABASES["default"]["ENGINE"]


def _uses_redis() -> bool:
    return django_settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://"))


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _has_chromium() -> bool:
    return os.access(chromium_path(), os.X_OK)


def _has_nginx() -> bool:
    from tests.nginx_proxy import nginx_path

    return os.access(nginx_path(), os.X_OK)


def _services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "").strip().lower() in {"1", "true", "yes", "on"}


def _missing_services(item: pytest.Item) -> list[str]:
    return [
        reason
        for marker, available, reason in (
            ("postgres", _uses_postgres, NEEDS_POSTGRES),
            ("redis", _uses_redis, NEEDS_REDIS),
            ("browser", _has_chromium, NEEDS_CHROMIUM),
            ("nginx", _has_nginx, NEEDS_NGINX),
        )
        if item.get_closest_marker(marker) and not available()
    ]


def pytest_configure(config: pytest.Config) -> None:
    """Tests publish tasks (after commit) but only the end-to-end tests run a worker: unless the
    broker is Redis, publish to an in-process memory broker instead of the embedded filesystem
    broker under var/, which a running `make run` would otherwise consume."""
    if not _uses_redis():
        from config.celery import app

        app.conf.broker_url = "memory://"
        app.conf.broker_transport = None  # settings name the embedded transport's class
        app.conf.broker_transport_options = {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _services_required():
        return
    for item in items:
        for reason in _missing_services(item):
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_runtest_setup(item: pytest.Item) -> None:
    if _services_required():
        for reason in _missing_services(item):
            pytest.fail(f"{reason} (REQUIRE_SERVICES=1)", pytrace=False)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    # Tests change partners with queryset updates, which the per-process cache cannot see.
    settings.PARTNER_CACHE_SECONDS = 0
    settings.DEMO_PKI_DIR = tmp_path / "certs"


@pytest.fixture(autouse=True)
def _report_aside_closed():
    """The SLA dashboard runs a query on a helper thread's connection outside a transaction
    (faults.reports.aside: a live server's, a transactional test's), which it keeps for the next
    report: closed after each test, else the test database cannot be dropped at the end."""
    yield
    from faults.reports import aside

    aside.close_connections()


@pytest.fixture(autouse=True)
def _unthrottled(monkeypatch) -> None:
    """The API's throttles (settings REST_FRAMEWORK) count in the cache across tests, and a sweep
    over every route makes more anonymous calls in a minute than a caller may: each test starts
    with empty counters and rates no test reaches. tests/api/test_throttling.py sets its own."""
    from django.core.cache import cache
    from rest_framework.throttling import SimpleRateThrottle

    cache.clear()
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": None, "user": None})


@pytest.fixture(autouse=True)
def _no_template_syntax_in_pages(monkeypatch) -> None:
    """Every text/html response of Django's test client is checked for leaked template syntax
    (tests/template_leaks.py), so a new page is covered without a test of its own."""
    from django.test import Client

    from tests.csp_inline import check_no_inline_code
    from tests.template_leaks import check_html_response

    request = Client.request

    def checked_request(self, **environ):
        response = request(self, **environ)
        where = f"{environ.get('REQUEST_METHOD', 'GET')} {environ.get('PATH_INFO', '')}"
        check_html_response(response, where=where)
        check_no_inline_code(response, where=where)  # nor code the CSP would block
        return response

    monkeypatch.setattr(Client, "request", checked_request)


@pytest.fixture
def partner(db):
    return PartnerFactory(
        slug="test-supplier",
        name="Test Supplier",
        protocol="cityfibre",
        environment=Environment.SIMULATOR,
        base_url="http://127.0.0.1:9/",
    )


@pytest.fixture
def buyer_identifier(partner):
    return BuyerIdentifierFactory(partner=partner, code="SPTEST1", is_default=True)


@pytest.fixture
def sla_policy(partner):
    return SlaPolicyFactory(
        partner=partner, target=timedelta(hours=8), calendar=SlaCalendar.ALWAYS, at_risk_percent=80
    )


def _user_in_role(username: str, role: str, **flags: bool):
    group = ensure_role_groups()[role]
    user = get_user_model().objects.create_user(
        username=username, password=TEST_PASSWORD, email=f"{username}@example.test", **flags
    )
    user.groups.add(group)
    return user


@pytest.fixture
def agent_user(db):
    return _user_in_role("test-agent", AGENT)


@pytest.fixture
def manager_user(db):
    return _user_in_role("test-manager", MANAGER)


@pytest.fixture
def admin_user(db):
    """Overrides pytest-django's superuser: a staff user whose rights come from the admin group,
    so permission tests exercise the role (pytest-django's `admin_client` logs in as this one)."""
    return _user_in_role("test-admin", ADMIN, is_staff=True)


@pytest.fixture
def agent_api(agent_user):
    from tests.helpers import client_for

    return client_for(agent_user)


@pytest.fixture
def manager_api(manager_user):
    from tests.helpers import client_for

    return client_for(manager_user)


# Logged-in test clients for the NOC pages, one per role (pytest-django's own `admin_client` logs
# in as `admin_user`).
def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def agent_client(agent_user) -> Client:
    return _client_for(agent_user)


@pytest.fixture
def manager_client(manager_user) -> Client:
    return _client_for(manager_user)


@pytest.fixture
def agent(agent_user):
    """The agent as the services' actor."""
    return Actor.for_user(agent_user)


@pytest.fixture
def draft(partner, buyer_identifier, sla_policy):
    """A draft fault of the demo partner, under its default buyer identifier."""
    return FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)


@pytest.fixture
def pki(tmp_path) -> DemoPki:
    """A demo PKI of this test's own (CA, our client certificate, the partner's)."""
    return ensure_demo_pki(tmp_path / "pki")


@pytest.fixture
def other_pki(tmp_path) -> DemoPki:
    """A second, unrelated PKI: its certificates are valid but pinned nowhere."""
    return ensure_demo_pki(tmp_path / "other-pki")


# --- the browser, one per test session --------------------------------------------------------
# Here, not in a subfolder's conftest: a session fixture imported into two conftests is two
# fixtures, and a second Playwright in the same thread refuses to start ("Sync API inside the
# asyncio loop").
# As the machine notes say: without the background-networking flags Chromium keeps trying to
# reach Google's hosts, which this closed network refuses.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous, one at a time.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
