"""Domain events reach a protocol package's partners durably (issue 11; what a TMF621 hub will
do in issue 13): the fake package (tests/fake_protocol/) declares an event subscriber in its
package.py that writes one outbound message per event to each of its subscriber partners (an
active "fake" partner that is not the fault's supplier), and the outbox delivers them over HTTP
on loopback. Nothing here names the subscriber: it is reached through the package registration
alone, the way a hub package will be."""

import json
from collections.abc import Iterator

import lxml.html
import pytest
from django.db import transaction
from django.utils import timezone

from faults.choices import FaultStatus, PartnerOperation
from faults.errors import FaultValidationError, TransitionNotAllowed
from faults.events import event_for, events_recording_history
from faults.models import Fault, FaultEvent
from faults.services import (
    Actor,
    fault_accept_resolution,
    fault_amend,
    fault_comment_add,
    fault_submit,
)
from integrations.choices import OutboundStatus
from integrations.models import OutboundMessage, Partner
from integrations.outbox import outbox_deliver
from tests.factories import BuyerIdentifierFactory, FaultFactory, PartnerFactory, SlaPolicyFactory
from tests.fake_protocol import PROTOCOL, wire
from tests.scripted_partner import ScriptedPartner
from tests.spine.drivers.fake import FakeDriver

pytestmark = pytest.mark.django_db
AGENT = Actor.system("test")
RETRYING = {"max_attempts": 3, "retry_base_seconds": 30, "read_timeout": 0.5}


@pytest.fixture
def driver(settings) -> Iterator[FakeDriver]:
    """The fake package, enabled through the setting for this test."""
    driver = FakeDriver(pki=None)
    driver.enable(settings)
    yield driver
    driver.disable(settings)


def fake_partner(**fields) -> Partner:
    partner = PartnerFactory(protocol=PROTOCOL, **RETRYING, **fields)
    SlaPolicyFactory(partner=partner)
    return partner


@pytest.fixture
def supplier(driver) -> Partner:
    return fake_partner(name="Fake supplier")


@pytest.fixture
def hub(driver) -> Partner:
    """A partner of the fake protocol that supplies none of our faults: a subscriber."""
    return fake_partner(name="Fake hub")


@pytest.fixture
def fault(supplier) -> Fault:
    buyer = BuyerIdentifierFactory(partner=supplier, is_default=True)
    return FaultFactory(supplier=supplier, buyer_identifier=buyer)


@pytest.fixture
def servers(driver, supplier, hub) -> Iterator[tuple[ScriptedPartner, ScriptedPartner]]:
    """The supplier and the hub, each on loopback, accepting everything unless told otherwise."""
    with driver.partner_server(supplier) as to_supplier, driver.partner_server(hub) as to_hub:
        yield to_supplier, to_hub


@pytest.fixture
def tasks_run_when_published(monkeypatch) -> None:
    """A task published (after commit) runs at once, in this process, as a worker would."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


def three_changes(fault: Fault) -> None:
    fault_submit(fault_id=fault.pk, actor=AGENT)
    fault_comment_add(fault_id=fault.pk, actor=AGENT, text="Engineer can call after 2pm")
    fault_amend(fault_id=fault.pk, actor=AGENT, changes={"description": "Now no sync at all"})


THREE_EVENTS = ["StatusChanged", "CommentAdded", "AttributesChanged"]


def to(partner: Partner) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(partner=partner).order_by("id"))


def deliver(message: OutboundMessage) -> str | None:
    return outbox_deliver(outbound_id=message.pk)


def event_types(server: ScriptedPartner) -> list[str]:
    return [json.loads(request.body)["eventType"] for request in server.received]


# --- one message per change, in order, after commit ----------------------------------------------
def test_a_subscriber_receives_one_message_per_change_in_order_once_it_commits(
    fault, hub, servers, django_capture_on_commit_callbacks, tasks_run_when_published
):
    to_supplier, to_hub = servers
    with django_capture_on_commit_callbacks(execute=False) as on_commit, transaction.atomic():
        three_changes(fault)
    assert (to_hub.received, to_supplier.received) == ([], [])  # nothing before the commit

    for callback in on_commit:  # the commit
        callback()

    rows = [row for row in FaultEvent.objects.filter(fault=fault).order_by("id") if event_for(row)]
    messages = to(hub)
    assert [m.payload["audit_event_id"] for m in messages] == [row.pk for row in rows]
    assert [m.status for m in messages] == [OutboundStatus.DELIVERED] * 3
    assert event_types(to_hub) == THREE_EVENTS
    documents = [json.loads(request.body) for request in to_hub.received]
    assert [(r.path, r.headers["Content-Type"]) for r in to_hub.received] == [
        ("/events", wire.CONTENT_TYPE)
    ] * 3
    assert [d["messageId"] for d in documents] == [m.message_id for m in messages]
    assert {d["buyerFaultReference"] for d in documents} == {fault.buyer_fault_reference}
    status, comment, amended = (d["event"] for d in documents)
    assert (status["from_status"], status["to_status"]) == (FaultStatus.DRAFT, FaultStatus.PENDING)
    assert comment["comment_id"] == fault.comments.get().pk
    assert amended["fields"] == ["description"]
    assert status["actor"] == "System test" and "history" not in status
    # The supplier hears through its adapter's calls, not as a subscriber.
    assert [json.loads(r.body)["operation"] for r in to_supplier.received] == [
        PartnerOperation.RAISE,
        PartnerOperation.COMMENT,
        PartnerOperation.AMEND,
    ]


def test_every_active_fake_partner_but_the_supplier_subscribes(fault, hub, servers):
    second_hub = fake_partner(name="Second hub")
    fake_partner(name="Retired hub", is_active=False)
    PartnerFactory(name="Another protocol's partner")  # cityfibre

    fault_comment_add(fault_id=fault.pk, actor=AGENT, text="Engineer can call after 2pm")

    written = OutboundMessage.objects.filter(operation="event")
    assert sorted(written.values_list("partner_id", flat=True)) == [hub.pk, second_hub.pk]


# --- a change that does not happen sends nothing ---------------------------------------------
def test_a_rolled_back_change_leaves_no_row_and_sends_nothing(
    fault, servers, django_capture_on_commit_callbacks, tasks_run_when_published
):
    to_supplier, to_hub = servers
    with (
        django_capture_on_commit_callbacks(execute=True) as on_commit,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        three_changes(fault)
        assert OutboundMessage.objects.filter(operation="event").count() == 3
        raise RuntimeError("the rest of the change failed")

    assert on_commit == []
    assert OutboundMessage.objects.count() == 0
    assert (to_hub.received, to_supplier.received) == ([], [])
    assert Fault.objects.get(pk=fault.pk).status == FaultStatus.DRAFT


def test_a_refused_change_leaves_no_row(fault, servers):
    Fault.objects.filter(pk=fault.pk).update(triage_findings="")
    with pytest.raises(FaultValidationError):
        fault_submit(fault_id=fault.pk, actor=AGENT)
    with pytest.raises(TransitionNotAllowed):  # a draft has no resolution to accept
        fault_accept_resolution(fault_id=fault.pk, actor=AGENT)

    assert OutboundMessage.objects.count() == 0


# --- order per (partner, fault) ------------------------------------------------------------------
def test_the_suppliers_retrying_or_dead_message_does_not_hold_back_the_subscribers(
    driver, fault, supplier, hub, servers
):
    to_supplier, to_hub = servers
    to_supplier.default = driver.reply(503)
    fault_submit(fault_id=fault.pk, actor=AGENT)
    (raise_,) = to(supplier)
    (submitted,) = to(hub)

    assert deliver(raise_) == OutboundStatus.PENDING  # retrying, first in the supplier's line
    assert deliver(submitted) == OutboundStatus.DELIVERED

    for _ in range(2):
        OutboundMessage.objects.filter(pk=raise_.pk).update(next_attempt_at=timezone.now())
        deliver(raise_)
    raise_.refresh_from_db()
    assert raise_.status == OutboundStatus.DEAD
    fault_comment_add(fault_id=fault.pk, actor=AGENT, text="Engineer can call after 2pm")
    _, commented = to(hub)
    assert deliver(commented) == OutboundStatus.DELIVERED

    assert event_types(to_hub) == ["StatusChanged", "CommentAdded"]
    assert len(to_supplier.received) == 3


def test_the_subscribers_own_messages_stay_in_order_while_one_is_retried(
    driver, fault, hub, servers
):
    _, to_hub = servers
    to_hub.then(driver.reply(503))
    three_changes(fault)
    first, second, third = to(hub)

    assert deliver(first) == OutboundStatus.PENDING  # 503: stays first in the hub's line
    assert deliver(second) is None
    assert deliver(third) is None
    OutboundMessage.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
    assert [deliver(m) for m in (first, second, third)] == [OutboundStatus.DELIVERED] * 3

    assert event_types(to_hub) == ["StatusChanged", *THREE_EVENTS]


# --- the setting and the demo's history -----------------------------------------------------------
def test_taking_the_package_out_of_the_setting_unsubscribes_it(settings, driver, hub):
    """The supplier here is the Ticketing API's, so the fault's own calls do not need the fake
    package: what stops is the subscriber alone."""
    listed = list(settings.INTEGRATION_PACKAGES)
    fault = FaultFactory()
    assert fault.supplier.protocol != PROTOCOL

    def comment(text: str) -> None:
        fault_comment_add(fault_id=fault.pk, actor=AGENT, text=text)

    comment("while enabled")
    settings.INTEGRATION_PACKAGES = [p for p in listed if p != "tests.fake_protocol"]
    comment("while disabled")
    settings.INTEGRATION_PACKAGES = listed
    comment("enabled again")

    texts = [fault.comments.get(pk=json.loads(m.body)["event"]["comment_id"]).text for m in to(hub)]
    assert texts == ["while enabled", "enabled again"]


def test_the_demos_history_is_not_sent_to_subscribers(fault, hub):
    with events_recording_history():
        fault_comment_add(fault_id=fault.pk, actor=AGENT, text="Long ago")
    assert to(hub) == []

    fault_comment_add(fault_id=fault.pk, actor=AGENT, text="Now")
    assert len(to(hub)) == 1


# --- what an agent sees ------------------------------------------------------------------------
def test_the_faults_timeline_shows_the_calls_to_its_supplier_not_the_hubs_messages(
    fault, hub, agent_user, client
):
    three_changes(fault)
    assert len(to(hub)) == 3

    client.force_login(agent_user)
    page = lxml.html.fromstring(client.get(f"/faults/{fault.buyer_fault_reference}/").content)
    sent = [" ".join(li.text_content().split()) for li in page.xpath("//li[@data-kind='outbound']")]
    assert len(sent) == 3
    assert all("Us → Fake supplier" in entry for entry in sent), sent
    assert not any(wire.EVENT in entry for entry in sent), sent


def test_the_package_adds_its_wallboard_figure_while_it_is_enabled(
    settings, driver, fault, hub, manager_client
):
    # Given the fake package, which declares a wallboard figure in its package.py, and one hub
    # delivery waiting
    fault_comment_add(fault_id=fault.pk, actor=AGENT, text="Engineer can call after 2pm")
    listed = list(settings.INTEGRATION_PACKAGES)

    def figure() -> list[str]:
        page = lxml.html.fromstring(manager_client.get("/wallboard/").content)
        return [
            " ".join(card.text_content().split())
            for card in page.xpath('//*[@data-figure="fake-hub-waiting"]')
        ]

    # Then the wallboard shows it after the open faults, counted
    assert len(figure()) == 1 and "Hub deliveries waiting" in figure()[0]
    assert "1" in figure()[0]
    # And taking the package out of the setting takes its figure off the page
    settings.INTEGRATION_PACKAGES = [p for p in listed if p != "tests.fake_protocol"]
    assert figure() == []
