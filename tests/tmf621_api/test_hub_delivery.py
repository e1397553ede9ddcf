"""The hub's subscriber (`hub.notify_subscribers`, declared in package.py): every change of a fault
made through the services, as the v4 events a subscription asked for, written as outbox messages
in the change's transaction and sent by the outbox to a real HTTP listener on loopback (a
`ScriptedPartner`), in order per ticket, retried, dead after the last attempt."""

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from faults.choices import EventKind, FaultStatus
from faults.events import events_recording_history
from faults.models import Fault
from faults.services import (
    Actor,
    fault_amend,
    fault_apply_supplier_status,
    fault_cancel,
    fault_comment_add,
    fault_raise,
    fault_submit,
)
from faults.services.audit import fault_event_record
from integrations.choices import OutboundStatus
from integrations.models import OutboundMessage, Partner
from integrations.outbox import outbox_deliver
from integrations.tmf621.schema import validation_errors
from integrations.tmf621_api.hub import RELEASE_WITHIN
from integrations.tmf621_api.models import HubSubscription
from integrations.tmf621_api.subscriptions import hub_subscribe, hub_unsubscribe
from tests.factories import FaultFactory
from tests.helpers import bring_to
from tests.scripted_partner import Reply, ScriptedPartner

pytestmark = pytest.mark.django_db
AGENT = Actor.system("test")
CREATE = "troubleTicketCreateEvent"
CHANGE = "troubleTicketAttributeValueChangeEvent"
STATUS = "troubleTicketStatusChangeEvent"
RESOLVED = "troubleTicketResolvedEvent"
INFO = "troubleTicketInformationRequiredEvent"
DELETE = "troubleTicketDeleteEvent"
COMPLETE = {
    "description": "No sync since 09:00",
    "fault_start_time": timezone.now() - timedelta(hours=2),
    "fault_location": "Cabinet 12, Example Street",
    "site_access_details": "Reception, 24/7",
    "site_access_contact_phone": "01632 960000",
    "triage_complete": True,
    "triage_findings": "Light level low at the ONT",
}


@pytest.fixture
def listener() -> Iterator[ScriptedPartner]:
    """The subscriber's listener: answers 201 ("Notified", v4) unless told otherwise."""
    with ScriptedPartner(Reply(201, b"")) as server:
        yield server


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` a change in its own transaction, its on-commit work run after it (the
    test's own transaction never commits)."""

    def block():
        return django_capture_on_commit_callbacks(execute=True)

    return block


def subscribe(listener: ScriptedPartner, query: str | None = None, path: str = "/hub"):
    return hub_subscribe(callback=f"{listener.url}{path}", query=query, user=None)


def raise_fault(partner, *, submit: bool = True, **fields) -> Fault:
    return fault_raise(
        actor=AGENT,
        submit=submit,
        supplier=partner,
        service_id="SVC-HUB-1",
        fault_type="Impaired Service",
        priority=2,
        **{**COMPLETE, **fields},
    )


def to(subscription: HubSubscription) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(partner=subscription.partner).order_by("id"))


def sent(message: OutboundMessage) -> dict:
    return json.loads(message.body)


def deliver_all(subscription: HubSubscription) -> list[str | None]:
    return [outbox_deliver(outbound_id=m.pk) for m in to(subscription)]


def received(listener: ScriptedPartner) -> list[dict]:
    return [json.loads(request.body) for request in listener.received]


def definition(event_type: str) -> str:
    return event_type[0].upper() + event_type[1:]


# --- what a change writes ------------------------------------------------------------------------


def test_a_fault_raised_from_the_ui_is_created_then_acknowledged_for_the_subscriber(
    partner, buyer_identifier, sla_policy, listener, committed
):
    subscription = subscribe(listener)
    with committed():
        fault = raise_fault(partner)

    messages = to(subscription)
    # Raised at once: it never waited on us as a draft, so no information required event.
    assert [m.message_type for m in messages] == [CREATE, STATUS]
    assert [m.path for m in messages] == [f"listener/{CREATE}", f"listener/{STATUS}"]
    for message in messages:
        body = sent(message)
        assert validation_errors(definition(message.message_type), body) == []
        assert validation_errors("ticket", body["event"]["troubleTicket"]) == []
        assert body["eventId"] == message.message_id
        assert body["eventType"] == message.message_type
        # The ticket as the change left it, its status saved after its audit row was written.
        assert body["event"]["troubleTicket"]["id"] == fault.buyer_fault_reference
        assert body["event"]["troubleTicket"]["status"] == "acknowledged"
    assert listener.received == []  # nothing is sent in the change

    assert deliver_all(subscription) == [OutboundStatus.DELIVERED] * 2
    assert [r.path for r in listener.received] == [
        f"/hub/listener/{CREATE}",
        f"/hub/listener/{STATUS}",
    ]
    assert {r.headers["Content-Type"] for r in listener.received} == {
        "application/json;charset=utf-8"
    }
    assert [b["eventId"] for b in received(listener)] == [m.message_id for m in messages]


def test_a_draft_waits_on_us_until_it_is_raised(
    partner, buyer_identifier, sla_policy, listener, committed
):
    subscription = subscribe(listener)
    with committed():
        draft = raise_fault(partner, submit=False, triage_findings="")

    create, information = (sent(m) for m in to(subscription))
    assert (create["eventType"], information["eventType"]) == (CREATE, INFO)
    assert information["fieldPath"] == "statusChangeReason"
    ticket = information["event"]["troubleTicket"]
    assert ticket["status"] == "pending"
    assert "triageFindings" in ticket["statusChangeReason"]

    with committed():
        fault_amend(fault_id=draft.pk, actor=AGENT, changes={"triage_findings": "Fibre break"})
    with committed():
        fault_submit(fault_id=draft.pk, actor=AGENT)

    assert [m.message_type for m in to(subscription)] == [CREATE, INFO, CHANGE, STATUS]
    change, status = (sent(m) for m in to(subscription)[2:])
    assert change["fieldPath"] == "troubleTicketCharacteristic"
    assert status["event"]["troubleTicket"]["status"] == "acknowledged"


def test_a_draft_withdrawn_before_it_was_raised_is_deleted(
    partner, buyer_identifier, sla_policy, listener, committed
):
    subscription = subscribe(listener)
    with committed():
        draft = raise_fault(partner, submit=False)
    with committed():
        fault_cancel(fault_id=draft.pk, actor=AGENT, reason="Raised by mistake")

    assert [m.message_type for m in to(subscription)] == [CREATE, INFO, STATUS, DELETE]
    deleted = sent(to(subscription)[-1])["event"]["troubleTicket"]
    assert deleted["status"] == "cancelled"


def test_the_supplier_drives_the_ticket_each_status_an_event_and_resolved_on_top(
    partner, buyer_identifier, sla_policy, listener, committed
):
    everything = subscribe(listener, path="/all")
    resolved_only = subscribe(listener, f"eventType={RESOLVED}", path="/resolved")
    with committed():
        fault = raise_fault(partner)
    with committed():
        bring_to_resolved(fault)

    messages = to(everything)
    # The supplier's reference first (a related party), then each of its statuses.
    types = [m.message_type for m in messages]
    assert types == [CREATE, STATUS, CHANGE, STATUS, STATUS, STATUS, STATUS, RESOLVED]
    assert sent(messages[2])["fieldPath"] == "relatedParty"
    supplier = sent(messages[2])["event"]["troubleTicket"]["relatedParty"][-1]
    assert supplier["troubleTicketId"] == "CS0001"
    assert sent(messages[-1])["event"]["troubleTicket"]["status"] == "resolved"
    # The query decides: the other subscription hears of the resolution only.
    (only,) = to(resolved_only)
    assert only.message_type == RESOLVED
    assert sent(only)["event"]["troubleTicket"]["status"] == "resolved"
    assert sent(only)["event"]["troubleTicket"]["resolutionDate"]


def bring_to_resolved(fault: Fault) -> None:
    """The supplier's notifications from pending to resolved (accepted, open, in progress)."""
    at = timezone.now()
    for step in ("accepted", "open", "in-progress", "resolved"):
        at += timedelta(seconds=1)
        fault_apply_supplier_status(
            fault_id=fault.pk,
            status=step,
            actor=Actor.system("supplier"),
            sent_at=at,
            maintainer_fault_reference="CS0001",
        )


def test_information_required_by_the_supplier(
    partner, buyer_identifier, sla_policy, listener, committed
):
    subscription = subscribe(listener, f"eventType={INFO}")
    fault = bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "open")
    assert to(subscription) == []

    with committed():
        bring_to_on_hold(fault)

    (information,) = (sent(m) for m in to(subscription))
    assert information["eventType"] == INFO
    assert information["fieldPath"] == "statusChangeReason"
    ticket = information["event"]["troubleTicket"]
    assert ticket["status"] == "pending"
    assert ticket["statusChangeReason"] == "Need site access hours"


def bring_to_on_hold(fault: Fault) -> None:
    fault_apply_supplier_status(
        fault_id=fault.pk,
        status="on-hold",
        actor=Actor.system("supplier"),
        sent_at=timezone.now(),
        reason="Need site access hours",
    )


def test_comments_amendments_and_attachments_are_attribute_changes(
    partner, buyer_identifier, sla_policy, listener, committed
):
    fault = bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "open")
    subscription = subscribe(listener)

    with committed():
        fault_comment_add(fault_id=fault.pk, actor=AGENT, text="Engineer can call after 2pm")
    with committed():
        fault_amend(
            fault_id=fault.pk,
            actor=AGENT,
            changes={"description": "Now no sync at all", "priority": 1},
        )

    comment, amended = (sent(m) for m in to(subscription))
    assert (comment["eventType"], comment["fieldPath"]) == (CHANGE, "note")
    notes = comment["event"]["troubleTicket"]["note"]
    assert notes[-1]["text"] == "Engineer can call after 2pm"
    assert amended["fieldPath"] == "description,expectedResolutionDate,priority"
    assert amended["event"]["troubleTicket"]["description"] == "Now no sync at all"
    assert amended["event"]["troubleTicket"]["priority"] == 1


def test_a_change_the_ticket_does_not_show_is_no_event(
    partner, buyer_identifier, sla_policy, listener
):
    fault = bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "open")
    subscription = subscribe(listener)

    fault_event_record(
        fault=fault,
        kind=EventKind.SUPPLIER_DATA,
        actor=AGENT,
        at=timezone.now(),
        data={"closure_code": ["", "RC01"]},
    )

    assert to(subscription) == []


def test_the_demos_past_is_no_news_to_a_subscriber(partner, buyer_identifier, sla_policy, listener):
    subscription = subscribe(listener)

    with events_recording_history():
        raise_fault(partner)

    assert to(subscription) == []


def test_a_change_that_rolls_back_leaves_no_event(partner, buyer_identifier, sla_policy, listener):
    subscription = subscribe(listener)

    with pytest.raises(RuntimeError), transaction.atomic():
        raise_fault(partner)
        raise RuntimeError("the change fails after its events were written")

    assert to(subscription) == []
    assert not Fault.objects.exists()


def test_an_event_waits_for_the_ticket_as_committed_and_goes_as_written_should_that_not_come(
    partner, buyer_identifier, sla_policy, listener, django_capture_on_commit_callbacks
):
    subscription = subscribe(listener)
    # The change commits, and the process ends before its on-commit work (the release) runs.
    with django_capture_on_commit_callbacks(execute=False):
        fault = raise_fault(partner)
    create, status = to(subscription)

    # Held: no sender takes them yet, in case the release is only late.
    assert outbox_deliver(outbound_id=create.pk) is None
    assert listener.received == []

    # Once the hold ends they go as written, in order: the ticket as the database held it
    # inside the change (its new status not saved yet), still a valid event.
    later = timezone.now() + RELEASE_WITHIN + timedelta(seconds=1)
    assert outbox_deliver(outbound_id=create.pk, now=later) == OutboundStatus.DELIVERED
    assert outbox_deliver(outbound_id=status.pk, now=later) == OutboundStatus.DELIVERED
    bodies = received(listener)
    assert [b["eventType"] for b in bodies] == [CREATE, STATUS]
    for body in bodies:
        assert validation_errors(definition(body["eventType"]), body) == []
        assert body["event"]["troubleTicket"]["id"] == fault.buyer_fault_reference


# --- unsubscribing -------------------------------------------------------------------------------


def test_after_unsubscribing_nothing_more_is_written_and_what_waited_is_not_sent(
    partner, buyer_identifier, sla_policy, listener, committed
):
    subscription = subscribe(listener)
    with committed():
        fault = raise_fault(partner)
    waiting = to(subscription)

    assert hub_unsubscribe(subscription_id=subscription.pk, user=None)
    with committed():
        fault_comment_add(fault_id=fault.pk, actor=AGENT, text="After the unsubscription")

    assert to(subscription) == waiting
    for message in to(subscription):
        assert message.status == OutboundStatus.REFUSED
        assert "unsubscribed" in message.last_error
        assert message.dismissed_at is not None  # nobody is asked to act on it
        assert outbox_deliver(outbound_id=message.pk) is None
    assert listener.received == []
    assert not OutboundMessage.objects.needing_agent().exists()


# --- delivery: order, retries, dead --------------------------------------------------------------


def test_events_of_one_ticket_are_delivered_in_order_through_retries(
    partner, buyer_identifier, sla_policy, listener, committed
):
    subscription = subscribe(listener)
    with committed():
        fault = raise_fault(partner)
    with committed():
        fault_comment_add(fault_id=fault.pk, actor=AGENT, text="One more thing")
    create, status, comment = to(subscription)
    listener.then(Reply(503, b"listener restarting"))

    assert outbox_deliver(outbound_id=create.pk) == OutboundStatus.PENDING  # retried later
    create.refresh_from_db()
    assert create.next_attempt_at > timezone.now()
    # The later events of the ticket wait behind it, even when due.
    assert outbox_deliver(outbound_id=status.pk) is None
    assert outbox_deliver(outbound_id=comment.pk) is None

    later = create.next_attempt_at + timedelta(seconds=1)
    assert outbox_deliver(outbound_id=create.pk, now=later) == OutboundStatus.DELIVERED
    assert outbox_deliver(outbound_id=status.pk) == OutboundStatus.DELIVERED
    assert outbox_deliver(outbound_id=comment.pk) == OutboundStatus.DELIVERED
    assert [b["eventType"] for b in received(listener)] == [CREATE, CREATE, STATUS, CHANGE]


def test_an_event_the_listener_never_takes_is_dead_after_the_last_attempt(
    partner, buyer_identifier, sla_policy, committed
):
    with ScriptedPartner(Reply(503, b"")) as down:
        subscription = subscribe(down)
        Partner.objects.filter(pk=subscription.partner_id).update(max_attempts=2)
        with committed():
            raise_fault(partner)
        create = to(subscription)[0]

        assert outbox_deliver(outbound_id=create.pk) == OutboundStatus.PENDING
        later = timezone.now() + timedelta(days=1)
        assert outbox_deliver(outbound_id=create.pk, now=later) == OutboundStatus.DEAD

    create.refresh_from_db()
    assert create.attempts == 2
    assert create in OutboundMessage.objects.needing_agent()


def test_another_subscribers_events_do_not_wait_for_a_subscriber_that_is_down(
    partner, buyer_identifier, sla_policy, listener, committed
):
    with ScriptedPartner(Reply(503, b"")) as down:
        slow = subscribe(down)
        fast = subscribe(listener)
        with committed():
            raise_fault(partner)

        assert deliver_all(slow) == [OutboundStatus.PENDING, None]
    assert deliver_all(fast) == [OutboundStatus.DELIVERED] * 2
    assert Fault.objects.get().status == FaultStatus.PENDING
