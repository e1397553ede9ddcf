"""Enabling a protocol package needs nothing outside it but the setting (issue 11): listed in
INTEGRATION_PACKAGES, tests/fake_protocol/ gets its URL at /integrations/fake/, its adapter, and
its protocol in the partner form; not listed, none of them."""

import ast
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import NoReverseMatch, reverse

from integrations import packages
from integrations.adapters import UnsupportedOperation, get_adapter
from tests.fake_protocol.adapter import FakeAdapter
from tests.fake_protocol.package import PACKAGE
from tests.spine.throwaway_packages import remount_urls

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = ROOT / "tests" / "fake_protocol"
PRODUCT_DIRS = ("config", "faults", "appointments", "integrations", "templates", "static")
LABEL = "Fake JSON protocol (contract tests)"


@pytest.fixture
def fake_listed(settings):
    listed = list(settings.INTEGRATION_PACKAGES)
    settings.INTEGRATION_PACKAGES = [*listed, "tests.fake_protocol"]
    remount_urls()
    yield
    settings.INTEGRATION_PACKAGES = listed
    remount_urls()


def _protocol_options(admin_client) -> str:
    page = admin_client.get("/admin/integrations/partner/add/").content.decode()
    return page.split('name="protocol"', 1)[1].split("</select>", 1)[0]


def test_the_package_declares_only_paths_inside_itself():
    declared = [
        PACKAGE.adapter,
        PACKAGE.urls,
        PACKAGE.appointment_gateway,
        *PACKAGE.event_subscribers,
        *(poll.task for poll in PACKAGE.polls),
    ]
    assert PACKAGE.protocol == "fake"
    assert all(path.startswith("tests.fake_protocol.") for path in declared if path)


def test_no_file_outside_the_package_names_it_and_it_imports_no_other_test_code():
    product = [
        path
        for folder in PRODUCT_DIRS
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and path.suffix in {".py", ".html", ".txt", ".conf", ".toml"}
    ]
    assert not [p for p in product if "fake_protocol" in p.read_text(errors="replace")]
    for module in PACKAGE_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            for name in names:
                assert not name.startswith("tests.") or name.startswith("tests.fake_protocol"), (
                    f"{module.name} imports {name}"
                )


def test_listed_in_the_setting_its_url_adapter_and_protocol_appear(
    fake_listed, admin_client, client
):
    assert packages.package_for("fake") == PACKAGE
    assert isinstance(get_adapter("fake"), FakeAdapter)
    url = reverse("fake:notify", kwargs={"partner_slug": "nobody"})
    assert url == "/integrations/fake/nobody/notify/"
    answer = client.post(url, data=b"{}", content_type="application/json")
    assert answer.status_code == 404
    assert answer.json() == {"code": 404, "messageId": "", "error": "No such partner."}
    assert f'<option value="fake">{LABEL}</option>' in _protocol_options(admin_client)


def test_not_listed_it_is_nowhere(admin_client, client):
    assert "tests.fake_protocol" not in django_settings.INTEGRATION_PACKAGES
    assert packages.package_for("fake") is None
    with pytest.raises(UnsupportedOperation):
        get_adapter("fake")
    with pytest.raises(NoReverseMatch):
        reverse("fake:notify", kwargs={"partner_slug": "nobody"})
    assert (
        client.post(
            "/integrations/fake/nobody/notify/", data=b"{}", content_type="application/json"
        ).status_code
        == 404
    )
    assert 'value="fake"' not in _protocol_options(admin_client)
