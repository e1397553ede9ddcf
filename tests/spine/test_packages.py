"""Issue 11, "one registration per protocol package": a package declares its adapter, appointment
gateway, inbound URLs, polls and simulator in its `package.py`, and listing it in
INTEGRATION_PACKAGES is all it takes to enable it; a package not listed is absent everywhere.

The packages here are throwaway ones written into the test's tmp_path (tests/spine/
throwaway_packages.py); the contract tests' fake package is tests/fake_protocol/."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from appointments.gateways import GatewayError, gateway_for
from config.celery import app as celery_app
from faults.choices import PartnerOperation
from faults.events import CommentAdded
from faults.models import FaultComment
from faults.ports import partner_call_refusal
from faults.services import Actor, fault_comment_add
from integrations.adapters import UnsupportedOperation, get_adapter
from integrations.beat import PackagePollScheduler, beat_schedule
from integrations.cityfibre.adapter import CityFibreAdapter
from integrations.cityfibre.appointments import CityFibreAppointmentGateway
from integrations.models import Partner
from integrations.packages import (
    PackageError,
    Poll,
    connect_enabled_packages,
    deliver_event,
    enabled_packages,
    package_for,
    poll_schedule,
    protocol_choices,
)
from integrations.tep.adapter import TepAdapter
from integrations.tmf621.adapter import Tmf621Adapter
from tests.factories import FaultFactory, PartnerFactory
from tests.helpers import admin_form_data
from tests.spine import throwaway_packages
from tests.spine.throwaway_packages import enable, write_package

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL = "throwaway"
UNPACKAGED = "future-protocol"  # a protocol no package declares (stored before its package)

PACKAGE_PY = """
from datetime import timedelta

from integrations.packages import Poll, ProtocolPackage

PACKAGE = ProtocolPackage(
    protocol="throwaway",
    label="Throwaway protocol (JSON)",
    adapter="{pkg}.adapter.ThrowawayAdapter",
    urls="{pkg}.urls",
    appointment_gateway="{pkg}.gateway.ThrowawayGateway",
    polls=(
        Poll(
            task="{pkg}.tasks.get_ticket",
            every=timedelta(minutes=2),
            min_interval=timedelta(minutes=1),
        ),
    ),
)
"""
MODULES = {
    "adapter": """
from integrations.adapters import PartnerAdapter


class ThrowawayAdapter(PartnerAdapter):
    operations = frozenset({"raise"})
""",
    "gateway": """
class ThrowawayGateway:
    def query_availability(self, partner, query):
        return []

    def reserve(self, partner, query, slot):
        raise NotImplementedError
""",
    "urls": """
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path


@login_not_required
def ping(request, partner_slug):
    return HttpResponse(f"throwaway answers {partner_slug}")


app_name = "throwaway"
urlpatterns = [path("<slug:partner_slug>/ping/", ping, name="ping")]
""",
}


@pytest.fixture
def throwaway(tmp_path, monkeypatch) -> str:
    """The throwaway package's module path, written but not enabled."""
    return write_package(tmp_path, monkeypatch, package_py=PACKAGE_PY, modules=MODULES)


@pytest.fixture
def remount_urls(settings):
    """Mount the URLs again after the test changed INTEGRATION_PACKAGES, and as they were after
    it."""
    original = list(settings.INTEGRATION_PACKAGES)
    yield throwaway_packages.remount_urls
    settings.INTEGRATION_PACKAGES = original
    throwaway_packages.remount_urls()


# --- the default ----------------------------------------------------------------------------------
def test_the_suppliers_packages_and_our_tmf621_api_are_enabled_by_default(partner, client):
    assert [package.protocol for package in enabled_packages()] == [
        "cityfibre",
        "tmf621",
        "tmf621-hub",
        "tep",
    ]
    assert isinstance(get_adapter("cityfibre"), CityFibreAdapter)
    assert isinstance(get_adapter("tmf621"), Tmf621Adapter)
    assert isinstance(get_adapter("tep"), TepAdapter)
    assert isinstance(gateway_for(partner), CityFibreAppointmentGateway)
    assert reverse("cityfibre:notify", args=["some-supplier"]) == (
        "/integrations/cityfibre/some-supplier/notify/"
    )
    assert reverse("tmf621:listener", args=["some-supplier", "troubleTicketStatusChangeEvent"]) == (
        "/integrations/tmf621/some-supplier/listener/troubleTicketStatusChangeEvent"
    )
    assert protocol_choices() == [
        ("cityfibre", "Supplier Ticketing API (XML/SOAP, mutual TLS)"),
        ("tmf621", "TMF621 Trouble Ticket (REST/JSON)"),
        ("tmf621-hub", "TMF621 event subscriber (our hub)"),
        ("tep", "TEP Ticket Exchange (SOAP)"),
    ]
    # CityFibre and TMF621 notify us (reconciliation is the spine's sweep); beat looks every 10 s
    # for TEP partners that receive by polling (each is polled at most once a minute).
    assert poll_schedule() == {
        "package-poll:tep:integrations.tep.tasks.poll_tep_partners": {
            "task": "integrations.tep.tasks.poll_tep_partners",
            "schedule": timedelta(seconds=10),
        }
    }


def test_its_simulator_command_lives_in_the_package():
    from django.core.management import get_commands

    assert package_for("cityfibre").simulator_command == "simulate_cityfibre"
    assert get_commands()["simulate_cityfibre"] == "integrations.cityfibre"


# --- enabling a package ---------------------------------------------------------------------------
def test_enabling_a_package_registers_its_adapter_gateway_urls_polls_and_protocol(
    settings, throwaway, remount_urls, client, db
):
    partner = PartnerFactory(slug="listed", protocol=PROTOCOL)
    assert client.get("/integrations/throwaway/listed/ping/").status_code == 404

    enable(settings, throwaway)
    remount_urls()

    adapter = get_adapter(PROTOCOL)
    assert type(adapter).__module__ == f"{throwaway}.adapter"
    assert partner_call_refusal(supplier=partner, operation=PartnerOperation.RAISE) is None
    assert "has no message for 'Send comment'" in partner_call_refusal(
        supplier=partner, operation=PartnerOperation.COMMENT
    )
    assert type(gateway_for(partner)).__name__ == "ThrowawayGateway"
    answer = client.get("/integrations/throwaway/listed/ping/")
    assert (answer.status_code, answer.text) == (200, "throwaway answers listed")
    assert reverse("throwaway:ping", args=["listed"]) == "/integrations/throwaway/listed/ping/"
    assert (PROTOCOL, "Throwaway protocol (JSON)") in protocol_choices()
    entry = beat_schedule()[f"package-poll:throwaway:{throwaway}.tasks.get_ticket"]
    assert entry == {"task": f"{throwaway}.tasks.get_ticket", "schedule": timedelta(minutes=2)}
    PartnerFactory.build(slug="new-one", protocol=PROTOCOL).full_clean()  # can be active


def test_a_package_not_listed_is_absent(settings, throwaway, client, db):
    partner = PartnerFactory(slug="unlisted", protocol=PROTOCOL)

    assert package_for(PROTOCOL) is None
    assert client.get("/integrations/throwaway/unlisted/ping/").status_code == 404
    with pytest.raises(UnsupportedOperation):
        get_adapter(PROTOCOL)
    with pytest.raises(GatewayError, match="does not offer appointments"):
        gateway_for(partner)
    assert "cannot send faults in yet" in partner_call_refusal(
        supplier=partner, operation=PartnerOperation.RAISE
    )
    assert PROTOCOL not in dict(protocol_choices())
    assert not any(PROTOCOL in name for name in beat_schedule())


# --- a partner of a protocol without an enabled package -------------------------------------------
def test_it_cannot_be_saved_active_but_can_be_kept_inactive(db):
    partner = PartnerFactory.build(slug="future", protocol=UNPACKAGED)

    with pytest.raises(ValidationError) as refused:
        partner.full_clean()
    (message,) = refused.value.message_dict["protocol"]
    assert f"No enabled protocol package handles '{UNPACKAGED}'" in message
    assert "save it as inactive" in message
    partner.is_active = False
    partner.full_clean()  # kept, e.g. while its package is being deployed


def test_the_admin_says_why_it_cannot_be_active(admin_client, partner):
    Partner.objects.filter(pk=partner.pk).update(protocol=UNPACKAGED)
    url = reverse("admin:integrations_partner_change", args=[partner.pk])
    page = admin_client.get(url)
    assert (UNPACKAGED, f"{UNPACKAGED} (no enabled package)") in page.context[
        "adminform"
    ].form.fields["protocol"].choices
    data = admin_form_data(page)
    assert data["is_active"] is True

    refused = admin_client.post(url, data)

    assert refused.status_code == 200
    assert "No enabled protocol package handles" in refused.text
    assert Partner.objects.get(pk=partner.pk).is_active
    data["is_active"] = ""
    assert admin_client.post(url, data).status_code == 302
    assert not Partner.objects.get(pk=partner.pk).is_active


def test_the_admin_offers_only_enabled_protocols(admin_client):
    page = admin_client.get(reverse("admin:integrations_partner_add"))

    offered = [value for value, _ in page.context["adminform"].form.fields["protocol"].choices]
    assert offered == ["", "cityfibre", "tmf621", "tmf621-hub", "tep"]


# --- polls ----------------------------------------------------------------------------------------
def test_a_poll_more_often_than_its_partner_allows_is_refused():
    with pytest.raises(PackageError, match="more often than its partner allows"):
        Poll(task="tep.get_ticket", every=timedelta(seconds=30), min_interval=timedelta(minutes=1))


def test_a_setting_changes_a_polls_interval_but_never_below_the_partners_limit(settings, throwaway):
    enable(settings, throwaway)
    name = f"package-poll:throwaway:{throwaway}.tasks.get_ticket"
    task = f"{throwaway}.tasks.get_ticket"

    settings.INTEGRATION_POLL_SECONDS = {task: 600}
    assert poll_schedule()[name]["schedule"] == timedelta(minutes=10)
    settings.INTEGRATION_POLL_SECONDS = {task: 5}
    assert poll_schedule()[name]["schedule"] == timedelta(minutes=1)


@pytest.mark.django_db(transaction=True)  # beat closes old connections, as in its own process
def test_beat_stores_a_packages_polls_and_drops_them_once_it_is_disabled(settings, throwaway):
    name = f"package-poll:throwaway:{throwaway}.tasks.get_ticket"
    enable(settings, throwaway)

    PackagePollScheduler(app=celery_app)

    poll = PeriodicTask.objects.get(name=name)
    assert (poll.task, poll.interval.every, poll.interval.period) == (
        f"{throwaway}.tasks.get_ticket",
        120,
        "seconds",
    )
    sweeps = set(PeriodicTask.objects.exclude(name=name).values_list("name", flat=True))
    assert set(settings.CELERY_BEAT_SCHEDULE) <= sweeps

    settings.INTEGRATION_PACKAGES = ["integrations.cityfibre"]
    PackagePollScheduler(app=celery_app)

    assert not PeriodicTask.objects.filter(name=name).exists()
    # The default packages' polls (TEP's) went with it: cityfibre has none.
    fixed = {sweep for sweep in sweeps if not sweep.startswith("package-poll:")}
    assert set(PeriodicTask.objects.values_list("name", flat=True)) == fixed


# --- event subscribers follow the setting ------------------------------------------------------
SUBSCRIBER_PACKAGE_PY = """
from integrations.packages import ProtocolPackage

PACKAGE = ProtocolPackage(
    protocol="{pkg}"[-12:],
    label="Listens to fault events",
    adapter="integrations.adapters.PartnerAdapter",
    event_subscribers=("{pkg}.listener.first", "{pkg}.listener.second"),
)
"""
LISTENER = """
from tests.spine.throwaway_packages import EVENTS_SEEN


def first(event):
    EVENTS_SEEN.append(("{pkg}.first", event))


def second(event):
    EVENTS_SEEN.append(("{pkg}.second", event))
"""


@pytest.fixture
def events_seen():
    throwaway_packages.EVENTS_SEEN.clear()
    yield throwaway_packages.EVENTS_SEEN
    throwaway_packages.EVENTS_SEEN.clear()


def test_the_spine_subscribes_one_dispatcher_to_the_fault_events_once():
    from faults import events

    connect_enabled_packages()  # again, as a second ready() would

    assert events._subscribers.count(deliver_event) == 1


def test_enabled_packages_event_subscribers_get_each_event_in_the_settings_order(
    settings, tmp_path, monkeypatch, events_seen, db
):
    one, two = (
        write_package(
            tmp_path, monkeypatch, package_py=SUBSCRIBER_PACKAGE_PY, modules={"listener": LISTENER}
        )
        for _ in range(2)
    )
    enable(settings, two)
    enable(settings, one)
    fault = FaultFactory()

    fault_comment_add(fault_id=fault.pk, actor=Actor.system("test"), text="Line is dead")

    (comment,) = {event for _, event in events_seen}
    assert isinstance(comment, CommentAdded) and comment.fault_id == fault.pk
    assert [name for name, _ in events_seen] == [
        f"{two}.first",
        f"{two}.second",
        f"{one}.first",
        f"{one}.second",
    ]


def test_a_package_taken_out_of_the_setting_gets_no_further_event_and_back_in_gets_the_next(
    settings, tmp_path, monkeypatch, events_seen, db
):
    listed = list(settings.INTEGRATION_PACKAGES)
    listener = write_package(
        tmp_path, monkeypatch, package_py=SUBSCRIBER_PACKAGE_PY, modules={"listener": LISTENER}
    )
    fault = FaultFactory()

    def comment(text: str) -> None:
        fault_comment_add(fault_id=fault.pk, actor=Actor.system("test"), text=text)

    enable(settings, listener)
    comment("while enabled")
    settings.INTEGRATION_PACKAGES = listed
    comment("while disabled")
    enable(settings, listener)
    comment("enabled again")

    texts = [
        FaultComment.objects.get(pk=event.comment_id).text
        for name, event in events_seen
        if name.endswith(".first")
    ]
    assert texts == ["while enabled", "enabled again"]


# --- declarations are checked at start-up ---------------------------------------------------------
def test_a_wrong_path_in_a_declaration_fails_the_system_check(settings, tmp_path, monkeypatch):
    broken = write_package(
        tmp_path,
        monkeypatch,
        package_py=PACKAGE_PY.replace("adapter.ThrowawayAdapter", "adapter.Missing"),
        modules=MODULES,
    )
    enable(settings, broken)

    with pytest.raises(SystemCheckError, match=r"throwaway: adapter '.*adapter\.Missing'"):
        call_command("check")


def test_two_packages_of_one_protocol_are_refused(settings, throwaway, tmp_path, monkeypatch):
    twin = write_package(tmp_path, monkeypatch, package_py=PACKAGE_PY, modules=MODULES)
    enable(settings, throwaway)
    enable(settings, twin)

    with pytest.raises(PackageError, match="Two enabled packages declare the protocol"):
        enabled_packages()


# --- nothing outside the package names it ---------------------------------------------------------
# Code outside integrations/cityfibre/ that still names it, and why. The dev tools (demo data, the
# benchmarks) are moving to one development-tools home in issue 11; they drive the supplier
# Ticketing API's demo and so name it, like a test does.
NAMES_CITYFIBRE = {
    "config/settings.py": "the setting that enables it (its default)",
}
# Demo data and benchmarks (devtools/) name it too: they are development tools, outside the
# product, and the product never imports them (tests/project/test_devtools_boundary.py).
SOURCE_DIRS = ("config", "faults", "appointments", "integrations")


def _names_of_the_package(path: Path) -> list[str]:
    """Imports of integrations.cityfibre, and string constants (not docstrings or comments) that
    name its module, its URL or its protocol."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("integrations.cityfibre")]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("integrations.cityfibre") or (
                node.module == "integrations" and any(a.name == "cityfibre" for a in node.names)
            ):
                found.append(node.module)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and (
                node.value == "cityfibre"
                or "integrations.cityfibre" in node.value
                or "integrations/cityfibre" in node.value
            )
        ):
            found.append(repr(node.value))
    return found


def test_nothing_outside_the_package_names_it_but_the_setting_and_the_dev_tools():
    naming = {}
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith("integrations/cityfibre/") or "/migrations/" in relative:
                continue  # the package itself; migrations are frozen history
            if names := _names_of_the_package(path):
                naming[relative] = names

    unexpected = {path: names for path, names in naming.items() if path not in NAMES_CITYFIBRE}
    assert unexpected == {}
    assert naming["config/settings.py"] == ["'integrations.cityfibre'"]
