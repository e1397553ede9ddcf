"""The end-to-end rig: the app served over a real socket (pytest-django's live server) on the
test PostgreSQL database, a private Redis, real Celery workers (beat embedded, sweeps every
second) in their own processes, and the supplier simulator over mutual TLS."""

import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import kombu.pools
import pytest
import requests
from django.conf import settings as django_settings
from django.db import connection
from rest_framework.authtoken.models import Token

from config.celery import app
from integrations.choices import Environment
from integrations.models import BuyerIdentifier, Partner
from integrations.security import proxy_headers
from tests.e2e.processes import RedisServer, Worker
from tests.factories import SlaPolicyFactory

SLUG = "e2e-supplier"


@pytest.fixture
def redis_server(tmp_path, monkeypatch) -> Iterator[RedisServer]:
    if not shutil.which("redis-server"):
        pytest.fail("the end-to-end tests start their own redis-server; it is not installed")
    server = RedisServer(tmp_path)
    server.start()
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", server.url)
    _point_celery_at(server.url)  # the live server (this process) publishes there too
    yield server
    monkeypatch.undo()
    _point_celery_at(os.environ.get("CELERY_BROKER_URL", django_settings.CELERY_BROKER_URL))
    server.stop()


def _point_celery_at(url: str) -> None:
    """Switch this process's Celery app to another broker: drop its connection and producer
    pools, which were built from the old URL. Kombu keeps them in process-wide registries keyed
    by URL, so closing one and keeping the registry would hand the closed pool back when the
    old URL returns ('Acquire on closed pool' in the next test that publishes)."""
    app.conf.broker_url = url
    kombu.pools.reset()
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


def mutual_tls_partner(
    pki, *, name: str, slug: str, protocol: str, buyer: str, **fields: object
) -> Partner:
    """A partner of the end-to-end rigs: we call it with the test PKI's buyer client certificate,
    it calls us with the supplier's from loopback; retries fast enough for a test to see them;
    its buyer identifier and an 8-hour SLA policy. `fields` override the partner's."""
    partner = Partner.objects.create(
        **{
            "name": name,
            "slug": slug,
            "protocol": protocol,
            "environment": Environment.SIMULATOR,
            "base_url": "https://127.0.0.1:9/",
            "client_cert_fingerprints": pki.supplier_client.fingerprint,
            "allowed_networks": "127.0.0.1/32",
            "client_cert_path": str(pki.buyer_client.cert_path),
            "client_key_path": str(pki.buyer_client.key_path),
            "ca_bundle_path": str(pki.ca_cert_path),
            "connect_timeout": 1,
            "read_timeout": 3,
            "retry_base_seconds": 0.5,
            "retry_max_seconds": 2,
            "max_attempts": 30,
            **fields,
        }
    )
    BuyerIdentifier.objects.create(partner=partner, code=buyer, is_default=True)
    SlaPolicyFactory(partner=partner, target=timedelta(hours=8))
    return partner


@pytest.fixture
def e2e_partner(transactional_db, pki, settings) -> Partner:
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1/32"]
    return mutual_tls_partner(
        pki, name="E2E supplier", slug=SLUG, protocol="cityfibre", buyer="SPDEV1"
    )


@pytest.fixture
def start_simulator(e2e_partner, live_server, pki):
    """`start_simulator(step_delay=…)`: the supplier simulator over mutual TLS, pointed at our
    webhook, with the partner pointed at it."""
    from integrations.cityfibre.simulator import CityFibreSimulator

    started = []

    def start(*, step_delay: float = 0.3):
        sim = CityFibreSimulator(
            port=0,
            notify_url=f"{live_server.url}/integrations/cityfibre/{SLUG}/notify/",
            buyer_identifiers={"SPDEV1"},
            step_delay=step_delay,
            supplier_client_cert=pki.supplier_client,
            tls=pki,
            proxy_secret=django_settings.PARTNER_PROXY_SECRET,
        ).start()
        started.append(sim)
        Partner.objects.filter(pk=e2e_partner.pk).update(base_url=sim.url)
        return sim

    yield start
    for sim in started:
        sim.stop()


@pytest.fixture
def simulator(start_simulator):
    return start_simulator()


@pytest.fixture
def start_worker(redis_server, transactional_db, tmp_path) -> Iterator[Callable[..., Worker]]:
    """Start a worker (with beat) on the test database; extra env overrides the defaults;
    `scheduler`: beat's scheduler class (see `Worker`)."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    started: list[Worker] = []

    def start(scheduler: str | None = None, **extra: str) -> Worker:
        env = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": redis_server.url,
            "OUTBOX_SWEEP_SECONDS": "1",
            "INBOX_SWEEP_SECONDS": "1",
            "AUTO_CLOSE_SWEEP_SECONDS": "1",
            "SLA_SWEEP_SECONDS": "5",
            "RECONCILE_SWEEP_SECONDS": "3600",
            **extra,
        }
        logfile = tmp_path / f"worker-{len(started)}.log"
        worker = Worker(env, logfile, **({"scheduler": scheduler} if scheduler else {})).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def api(live_server, agent_user) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Token {Token.objects.create(user=agent_user).key}"
    session.base_url = f"{live_server.url}/api/v1"  # type: ignore[attr-defined]
    return session


def fault_payload(service_id: str, **extra: object) -> dict:
    """The API body of a fault for the simulator supplier, submitted at once."""
    return {
        "partner": SLUG,
        "service_id": service_id,
        "fault_type": "Impaired Service",
        "priority": 2,
        "description": "No sync since 09:00",
        "fault_start_time": "2026-11-23T09:00:00Z",
        "fault_location": "Cabinet 12, Example Street",
        "site_access_details": "Reception, 24/7",
        "site_access_contact_phone": "01632 960000",
        "triage_complete": True,
        "triage_findings": "Light level low at the ONT",
        "submit": True,
        **extra,
    }


def raise_fault(api: requests.Session, service_id: str, **extra: object) -> str:
    response = api.post(
        f"{api.base_url}/faults/", json=fault_payload(service_id, **extra), timeout=10
    )
    assert response.status_code == 201, response.text
    return response.json()["buyer_fault_reference"]


NOTIFY = """<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<notifyFaultReportUpdate><apiVersion>1.0</apiVersion><buyerIdentifier>SPDEV1</buyerIdentifier>
<sentAt>{sent}</sentAt><messageId>{mid}</messageId><serviceAffected>S1</serviceAffected>
<buyerFaultReference>{ref}</buyerFaultReference>
<maintainerFaultReference>CS0000001</maintainerFaultReference>
<faultDetails><type>Impaired Service</type><status>{status}</status>
<faultStartTime>2026-11-23T09:00:00Z</faultStartTime><faultLocation>Cabinet 12</faultLocation>
<siteAccessDetails>Reception</siteAccessDetails>
<siteAccessContactDetails><phone>1</phone></siteAccessContactDetails>
<triageComplete>true</triageComplete><triageFindings>Fibre break</triageFindings></faultDetails>
<updates><update><description>{status} ({mid})</description><updatedBy>seller</updatedBy>
<updatedTime>{sent}</updatedTime></update></updates></notifyFaultReportUpdate>
</soap:Body></soap:Envelope>"""


def notification(reference: str, status: str, sent_at: datetime, message_id: str) -> bytes:
    sent = sent_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return NOTIFY.format(sent=sent, mid=message_id, ref=reference, status=status).encode()


@pytest.fixture
def notify(live_server, pki) -> Callable[[bytes], requests.Response]:
    """Post a notification to our webhook over a real socket, as the TLS proxy would."""
    url = f"{live_server.url}/integrations/cityfibre/{SLUG}/notify/"
    headers = {
        "Content-Type": "text/xml; charset=utf-8",
        **proxy_headers(
            escaped_cert=pki.supplier_client.proxy_header,
            forwarded_for="127.0.0.1",
            secret=django_settings.PARTNER_PROXY_SECRET,
        ),
    }

    def post(body: bytes) -> requests.Response:
        response = requests.post(url, data=body, headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        return response

    return post


# --- the browser (Playwright driving Debian's Chromium) ----------------------------------------
SCREENSHOTS = django_settings.BASE_DIR / "var" / "screenshots"
DESKTOP = {"width": 1440, "height": 900}
# The browser itself (`chromium`) is tests/conftest.py's, one per session.


@pytest.fixture
def browser_window(chromium, live_server):
    """`browser_window(color_scheme=…)`: a new, logged-out browser window at desktop size.

    Every HTML answer a window receives (pages and the htmx fragments swapped into them) is
    checked for leaked template syntax (tests/template_leaks.py), every request must go to the
    live server, and nothing may be blocked by the Content-Security-Policy (an inline script or
    style that would silently not run); each fails the test when it ends, so every browser test
    covers every page it visits."""
    contexts = []
    leaks: list[str] = []
    offsite: list[str] = []
    violations: list[str] = []
    own_host = urlsplit(live_server.url).netloc

    def open_window(*, color_scheme: str = "light"):
        context = chromium.new_context(
            viewport=DESKTOP, base_url=live_server.url, color_scheme=color_scheme
        )
        context.set_default_timeout(15_000)
        context.on("response", lambda response: _collect_template_leaks(response, leaks))
        context.on("request", lambda request: _collect_offsite(request.url, own_host, offsite))
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("console", lambda message: _collect_csp_violations(message, violations))
        contexts.append(context)
        return context.new_page()

    yield open_window
    for context in contexts:
        context.close()
    assert not leaks, "template syntax in HTML the browser received:\n" + "\n".join(leaks)
    assert not offsite, "requests to a host other than ours:\n" + "\n".join(offsite)
    assert not violations, "blocked by the Content-Security-Policy:\n" + "\n".join(violations)


# Every page reports what the policy blocked on the console (Chromium also logs its own "Refused
# to …" line); an init script runs before the page's own and is not itself subject to the policy.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} `
    + `at ${e.sourceFile || e.documentURI}:${e.lineNumber} ${e.sample || ""}`);
});
"""


def _collect_csp_violations(message, violations: list[str]) -> None:
    text = message.text
    if text.startswith("CSP violation") or "Content Security Policy" in text:
        violations.append(f"{message.page.url if message.page else ''}: {text}")


def _collect_offsite(url: str, own_host: str, offsite: list[str]) -> None:
    """Every request a window makes must go to the live server: a page that loads anything from
    another host (a CDN, a font service, a badge) is blank or broken on the closed networks the
    product runs on."""
    parts = urlsplit(url)
    if parts.scheme not in ("data", "blob") and parts.netloc != own_host:
        offsite.append(url)


def _collect_template_leaks(response, leaks: list[str]) -> None:
    from playwright.sync_api import Error

    from tests.template_leaks import template_syntax_in

    if not response.headers.get("content-type", "").startswith("text/html"):
        return
    try:
        text = response.text()
    except Error:  # a body the browser did not keep (e.g. a redirect)
        return
    leaks.extend(f"{response.url}: {leak}" for leak in template_syntax_in(text))


@pytest.fixture
def browser_as(browser_window):
    """`browser_as(user)`: a new browser window logged in as `user` through the login form."""
    from tests.conftest import TEST_PASSWORD

    def open_as(user, *, color_scheme: str = "light"):
        page = browser_window(color_scheme=color_scheme)
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(user.get_username())
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return open_as


def screenshot(page, name: str) -> None:
    """A full-page screenshot at desktop size, kept under var/screenshots/ as a CI artifact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
