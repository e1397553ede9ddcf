"""The frame every page shares: login, the start page per role, per-role navigation, dark mode
and the assets served by the app itself."""

import re

import lxml.html
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    answer = client.get("/queue/")

    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/?next=/queue/")


def test_login_form_logs_an_agent_in_and_lands_on_the_queue(agent_user):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]

    answer = browser.post(
        "/accounts/login/",
        {"username": agent_user.username, "password": TEST_PASSWORD, "csrfmiddlewaretoken": token},
    )

    assert answer.status_code == 302
    assert browser.get(answer["Location"])["Location"] == "/queue/"


def test_wrong_password_is_refused_with_a_message(agent_user, client):
    answer = client.post("/accounts/login/", {"username": agent_user.username, "password": "x"})

    assert answer.status_code == 200
    assert b"didn&#x27;t match" in answer.content or b"didn't match" in answer.content


@pytest.mark.parametrize(
    ("role_fixture", "landing"),
    [("agent_user", "/queue/"), ("manager_user", "/dashboard/"), ("admin_user", "/queue/")],
)
def test_each_role_lands_where_its_work_is(request, client, role_fixture, landing):
    client.force_login(request.getfixturevalue(role_fixture))

    assert client.get("/")["Location"] == landing


def test_a_user_without_a_role_is_told_so(client):
    nobody = get_user_model().objects.create_user("nobody", password=TEST_PASSWORD)
    client.force_login(nobody)

    answer = client.get("/", follow=True)

    assert answer.status_code == 403
    assert b"none of the roles" in answer.content


def _nav_labels(html: str) -> list[str]:
    nav = html.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<li><a href="[^"]+"[^>]*>([^<]+)</a></li>', nav)


def test_navigation_per_role(agent_user, manager_user, admin_user, client):
    client.force_login(agent_user)
    agent_nav = _nav_labels(client.get("/no-role/").content.decode())
    client.force_login(manager_user)
    manager_nav = _nav_labels(client.get("/no-role/").content.decode())
    client.force_login(admin_user)
    admin_nav = _nav_labels(client.get("/no-role/").content.decode())

    assert "Raise a fault" in agent_nav and "SLA dashboard" not in agent_nav
    assert "Admin" not in agent_nav
    assert "SLA dashboard" in manager_nav and "Raise a fault" not in manager_nav
    assert {"Raise a fault", "SLA dashboard", "Admin"} <= set(admin_nav)


def test_pages_carry_the_theme_toggle_and_local_assets_only(agent_client):
    html = agent_client.get("/no-role/").content.decode()

    assert 'id="theme-toggle"' in html
    for asset in re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html):
        assert asset.startswith("/static/"), asset
    assert "//cdn" not in html and "https://" not in html


@pytest.mark.parametrize(
    "asset",
    ["vendor/htmx/htmx.min.js", "vendor/chartjs/chart.umd.min.js", "vendor/pico/pico.min.css"],
)
def test_vendored_assets_are_served_by_the_app(agent_client, asset):
    from django.contrib.staticfiles import finders

    assert finders.find(asset), asset


def test_a_live_panel_whose_session_expired_sends_the_window_to_the_login(client):
    answer = client.get(
        "/queue/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/faults/?status=open"},
    )

    assert answer.status_code == 204
    assert answer["HX-Redirect"] == "/accounts/login/?next=/faults/%3Fstatus%3Dopen"
    assert b"<html" not in answer.content


def test_an_htmx_redirect_never_points_off_site(client):
    answer = client.get(
        "/queue/", headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/x"}
    )

    assert answer["HX-Redirect"] == "/accounts/login/?next=/"


def test_each_page_lists_the_go_to_shortcuts_of_its_role(agent_user, manager_user, client):
    client.force_login(agent_user)
    page = lxml.html.fromstring(client.get("/faults/").content)
    links = {a.text_content(): a.get("data-shortcut") for a in page.xpath("//nav//a")}
    assert links["My queue"] == "g q" and links["Faults"] == "g l"
    listed = [" ".join(row.xpath("td[1]//kbd/text()")) for row in page.xpath("//dialog//tbody/tr")]
    assert "g q" in listed and "c" in listed and "?" in listed

    client.force_login(manager_user)
    page = lxml.html.fromstring(client.get("/dashboard/").content)
    listed = [" ".join(row.xpath("td[1]//kbd/text()")) for row in page.xpath("//dialog//tbody/tr")]
    assert "g d" in listed and "g r" not in listed  # a manager raises no faults
