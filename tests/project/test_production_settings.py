"""Issue 10 #7: the production settings the README shows pass `manage.py check --deploy`, and
with them, behind the repository's nginx configuration, the app knows HTTPS requests as HTTPS
(SECURE_PROXY_SSL_HEADER): staff pages get HSTS, plain HTTP is redirected, and the partners'
webhook is answered, not redirected."""

import contextlib
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

from devtools.pki import ensure_demo_pki
from faults.models import Fault
from integrations.choices import InboundStatus
from integrations.inbox import inbox_apply
from integrations.models import InboundMessage
from tests.nginx_proxy import STAFF_HOST, WEBHOOK_HOST, Nginx, free_port
from tests.partner_posts import notification, pending_fault_of_pinned_supplier

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PLACEHOLDER = re.compile(r"<[^>]*>")


def readme_production_env() -> dict[str, str]:
    """The environment block of the README's Production section, each `<…>` filled with a new
    random value as the README asks."""
    production = README.read_text().split("\n## Production", 1)[1]
    match = re.search(r"```sh\n(.*?)```", production, re.S)
    assert match, "the README's Production section shows no environment block"
    env = {}
    for line in match.group(1).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, value = line.split("=", 1)
        env[name.strip()] = PLACEHOLDER.sub(lambda _: secrets.token_urlsafe(50), value.strip())
    return env


def clean_env(**values: str) -> dict[str, str]:
    """Only what a server would have: no DEBUG, no test settings from this process."""
    return {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/"), **values}


def test_check_deploy_is_clean_with_the_readmes_production_settings():
    env = readme_production_env()

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert WEBHOOK_HOST in env["ALLOWED_HOSTS"].split(",")
    assert STAFF_HOST in env["ALLOWED_HOSTS"].split(",")


# --- served with those settings behind nginx ----------------------------------------------------
SLUG = "prod-supplier"


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


@pytest.fixture
def production_app(transactional_db, tmp_path):
    """gunicorn with the README's production environment, on this test's PostgreSQL database."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    env = readme_production_env()
    env["DATABASE_URL"] = f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env["CELERY_BROKER_URL"] = "memory://"  # no worker here: the test applies what is stored
    env["CACHE_URL"] = "locmemcache://"  # the throttles' counters: one process, no Redis needed
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=clean_env(**env),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while not _listening(port):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield {"upstream": f"127.0.0.1:{port}", "env": env}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.mark.postgres
@pytest.mark.nginx
def test_behind_nginx_https_is_known_and_partner_webhooks_are_not_redirected(
    production_app, tmp_path
):
    pki = ensure_demo_pki(tmp_path / "pki")
    fault = pending_fault_of_pinned_supplier(pki, slug=SLUG)
    nginx = Nginx(
        tmp_path / "nginx",
        pki=pki,
        upstream=production_app["upstream"],
        secret=production_app["env"]["PARTNER_PROXY_SECRET"],
    ).start()
    ca = str(pki.ca_cert_path)
    try:
        # The partners' site: answered 200 as HTTPS, not redirected by SECURE_SSL_REDIRECT.
        webhook = requests.post(
            f"{nginx.webhook_url}/integrations/cityfibre/{SLUG}/notify/",
            data=notification(
                fault.buyer_fault_reference,
                message_id="CF-PROD-1",
                maintainer_reference="CS0000077",
            ),
            headers={"Host": WEBHOOK_HOST, "Content-Type": "text/xml; charset=utf-8"},
            cert=(str(pki.supplier_client.cert_path), str(pki.supplier_client.key_path)),
            verify=ca,
            allow_redirects=False,
            timeout=10,
        )
        # The staff site: a page, known as HTTPS (HSTS is only sent on HTTPS answers).
        page = requests.get(
            f"{nginx.staff_url}/accounts/login/",
            headers={"Host": STAFF_HOST},
            verify=ca,
            allow_redirects=False,
            timeout=10,
        )
        plain = requests.get(
            f"{nginx.http_url}/accounts/login/",
            headers={"Host": STAFF_HOST},
            allow_redirects=False,
            timeout=10,
        )
        direct = requests.get(
            f"http://{production_app['upstream']}/accounts/login/",
            headers={"Host": STAFF_HOST},
            allow_redirects=False,
            timeout=10,
        )
    finally:
        nginx.stop()

    assert webhook.status_code == 200, webhook.text
    assert "<responseCode>200</responseCode>" in webhook.text
    stored = InboundMessage.objects.get(partner=fault.supplier)
    assert inbox_apply(inbound_id=stored.pk) == InboundStatus.APPLIED
    assert Fault.objects.get(pk=fault.pk).maintainer_fault_reference == "CS0000077"

    assert page.status_code == 200
    assert page.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert "secure" in page.headers["Set-Cookie"].lower()  # the CSRF cookie, HTTPS only
    # Issue 17: the door's headers reach the browser through the proxy.
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"

    assert plain.status_code == 301
    assert plain.headers["Location"] == f"https://{STAFF_HOST}/accounts/login/"
    # Reached without the proxy, the app redirects plain HTTP itself (SECURE_SSL_REDIRECT).
    assert direct.status_code == 301
    assert direct.headers["Location"] == f"https://{STAFF_HOST}/accounts/login/"
