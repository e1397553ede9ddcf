"""The hub end to end, over real sockets: a listener subscribes through the API, a fault is
raised from the UI (in a real browser) or through our API, the supplier simulator drives it over
mutual TLS, a real Celery worker sends the events; the listener hears each event once, in order,
including when it was down for a while."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from faults.models import Fault
from integrations.choices import OUTBOUND_UNFINISHED, OutboundStatus
from integrations.models import OutboundMessage
from integrations.tmf621.schema import validation_errors
from integrations.tmf621_api.models import HubSubscription
from tests.e2e.conftest import raise_fault, screenshot
from tests.e2e.processes import wait_for
from tests.tmf621_api.e2e.listener import CALLBACK_PATH, Listener

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

CREATE = "troubleTicketCreateEvent"
STATUS = "troubleTicketStatusChangeEvent"
RESOLVED = "troubleTicketResolvedEvent"
INFO = "troubleTicketInformationRequiredEvent"
# The simulator's on-hold scenario (`SIM-HOLD-`), in TMF's words: acknowledged (our pending, then
# accepted), in progress, pending (on hold: the supplier waits on us), in progress, resolved.
TICKETS = "/tmf-api/troubleTicket/v4/troubleTicket/"
HOLD_STATUSES = ["acknowledged", "acknowledged", "inProgress", "pending", "inProgress", "resolved"]


def raise_from_the_form(page: Page, service_id: str) -> str:
    """Fill the raise form as an agent does and submit it to the supplier; the reference."""
    page.goto("/faults/new/")
    page.get_by_label("Supplier").select_option(label="E2E supplier")
    page.get_by_label("Service ID").fill(service_id)
    page.get_by_label("Fault type").select_option("Impaired Service")
    page.get_by_label("Description").fill("Loss of sync every few minutes since 09:00.")
    page.get_by_label("Fault start time").fill(
        (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("Fault location").fill("Cabinet 12, Example Street")
    page.get_by_label("Triage complete").select_option(label="Yes")
    page.get_by_label("Triage findings").fill("Light level low at the ONT")
    page.get_by_label("Site access details").fill("Reception, 24/7")
    page.get_by_label("Site access contact phone").fill("01632 960000")
    page.get_by_role("button", name="Submit to supplier").click()
    page.wait_for_url(re.compile(r"/faults/NOC-[^/]+/$"))
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def resolved(reference: str) -> bool:
    return Fault.objects.get(buyer_fault_reference=reference).status == "resolved"


def written_for(subscription: HubSubscription) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(partner=subscription.partner).order_by("id"))


def all_heard(subscription: HubSubscription, listener: Listener) -> bool:
    """Every event written for the subscriber delivered, and the listener heard as many."""
    messages = written_for(subscription)
    return (
        bool(messages)
        and all(m.status == OutboundStatus.DELIVERED for m in messages)
        and len(listener.heard) >= len(messages)
    )


def assert_heard_once_in_order(subscription: HubSubscription, listener: Listener, reference):
    """The listener heard each event written for it once, in the order written, at
    `{callback}/listener/{eventType}`, each a valid v4 notification about the fault; the ticket
    each status change carries went through the simulator's statuses."""
    messages = written_for(subscription)
    events = listener.events()
    assert [event["eventId"] for event in events] == [m.message_id for m in messages]
    assert [heard.path for heard in listener.heard] == [
        f"{CALLBACK_PATH}/listener/{event['eventType']}" for event in events
    ]
    assert {heard.content_type for heard in listener.heard} == {"application/json;charset=utf-8"}
    for event in events:
        definition = event["eventType"][0].upper() + event["eventType"][1:]
        assert validation_errors(definition, event) == [], event["eventType"]
        assert event["event"]["troubleTicket"]["id"] == reference
    types = [event["eventType"] for event in events]
    assert types[:2] == [CREATE, STATUS]  # raised at once: never a draft to anyone
    tickets = [event["event"]["troubleTicket"] for event in events]
    assert [
        t["status"] for t, kind in zip(tickets, types, strict=True) if kind == STATUS
    ] == HOLD_STATUSES
    # The supplier's wait on us and its resolution, each right after its status change.
    assert (
        types[types.index(INFO) - 1] == STATUS and tickets[types.index(INFO)]["status"] == "pending"
    )
    assert types[-2:] == [STATUS, RESOLVED]
    assert tickets[-1]["resolutionDate"]
    assert tickets[-1]["href"].endswith(f"{TICKETS}{reference}")


@pytest.mark.browser
def test_a_listener_hears_each_event_of_a_fault_raised_in_the_ui_once_and_in_order(
    simulator, start_worker, subscribe, listener, browser_as, agent_user
):
    start_worker()
    listener.start()
    subscription = subscribe(listener)

    page = browser_as(agent_user)
    reference = raise_from_the_form(page, "SIM-HOLD-HUB-0001")
    screenshot(page, "hub-fault-raised-for-a-subscriber")

    wait_for(lambda: resolved(reference), timeout=60, what=f"{reference} to be resolved")
    wait_for(lambda: all_heard(subscription, listener), timeout=60, what="every event heard")
    assert_heard_once_in_order(subscription, listener, reference)


def test_a_listener_that_was_down_hears_every_event_later_in_order(
    simulator, start_worker, subscribe, listener, api
):
    start_worker()
    subscription = subscribe(listener)  # the listener is not up yet
    reference = raise_fault(api, "SIM-HOLD-HUB-0002")

    wait_for(lambda: resolved(reference), timeout=60, what=f"{reference} to be resolved")
    # The fault went its way meanwhile; the first event was tried and tried again.
    first = written_for(subscription)[0]
    wait_for(
        lambda: OutboundMessage.objects.get(pk=first.pk).attempts >= 2,
        timeout=30,
        what="the first event to be retried",
    )
    assert listener.heard == []
    assert OutboundMessage.objects.get(pk=first.pk).status in OUTBOUND_UNFINISHED

    listener.start()

    wait_for(lambda: all_heard(subscription, listener), timeout=60, what="every event heard")
    assert_heard_once_in_order(subscription, listener, reference)
