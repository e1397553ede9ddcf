"""Golden tests: the specifications' own events and tickets (examples/README.md says where each
comes from) posted to the listener, stored, applied through the inbox, and the resulting fault
asserted — its status, the reason shown, whether its SLA is paused; then what TMF's words mean
for the SLA (pending, held with and without the partner's setting, assessingCancellation), and
events that come twice or out of order."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from faults.choices import EventKind, FaultStatus
from faults.models import FaultUpdate, SlaPause
from integrations.choices import InboundStatus
from integrations.inbox import inbox_apply
from integrations.models import InboundMessage, Partner
from integrations.tmf621.inbound import store_ticket
from integrations.tmf621.models import Tmf621Connection
from tests.tmf621.listener.conftest import apply_received, example, post_event, status_event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

BEFORE_THE_EXAMPLES = datetime(2019, 1, 1, tzinfo=UTC)  # the examples are from 2019-2022


def open_pause(fault) -> SlaPause | None:
    return SlaPause.objects.filter(fault=fault, ended_at__isnull=True).first()


def applied_one() -> InboundMessage:
    (message,) = apply_received()
    assert message.status == InboundStatus.APPLIED, message.last_error
    return message


# --- the specifications' examples ---------------------------------------------------------------
def test_v5s_status_change_to_pending_puts_the_fault_on_hold_with_what_is_required(
    client, raise_fault
):
    """Its ticket names no externalId and no buyer: found by the supplier's ticket id under our
    buyer ids. Its eventType is the seed's spelling, posted to v4's listener path."""
    fault = raise_fault("in-progress", ticket="3180", start=BEFORE_THE_EXAMPLES)
    body = example("v5-status-change-event")

    response = post_event(client, body, event_type="troubleTicketStatusChangeEvent")
    message = applied_one()

    assert response.status_code == 201
    assert response.json()["id"] == "41cf-ad81-d65ea1c2840c"
    fault.refresh_from_db()
    assert fault.status == FaultStatus.ON_HOLD
    assert fault.status_reason == (
        "Information required by the supplier: Need more information from the customer"
    )
    pause = open_pause(fault)
    assert pause is not None
    assert pause.started_at == datetime(2022, 8, 25, 12, 18, 12, 191000, tzinfo=UTC)  # eventTime
    # What v5 adds or writes otherwise is noted against the v4 profile, not refused.
    assert any(d.startswith("event.troubleTicket.priority:") for d in message.deviations)


def test_v5s_resolved_event_resolves_the_fault_with_its_reason(client, raise_fault):
    fault = raise_fault("in-progress", ticket="3180", start=BEFORE_THE_EXAMPLES)

    post_event(client, example("v5-resolved-event"), event_type="troubleTicketResolvedEvent")
    applied_one()

    fault.refresh_from_db()
    assert (fault.status, fault.status_reason) == (FaultStatus.RESOLVED, "A refund was issued")
    assert fault.resolved_at == datetime(2022, 8, 25, 12, 18, 12, 213000, tzinfo=UTC)
    assert fault.auto_close_due_at is not None


def test_v5s_attribute_value_change_changes_no_status_and_records_no_anomaly(client, raise_fault):
    fault = raise_fault("in-progress", ticket="3180", start=BEFORE_THE_EXAMPLES)
    statuses_before = fault.events.filter(kind=EventKind.STATUS).count()

    post_event(
        client,
        example("v5-attribute-value-change-event"),
        event_type="troubleTicketAttributeValueChangeEvent",
    )
    applied_one()

    fault.refresh_from_db()
    assert fault.status == FaultStatus.IN_PROGRESS
    assert fault.events.filter(kind=EventKind.STATUS).count() == statuses_before
    assert not fault.events.filter(kind=EventKind.ANOMALY).exists()
    assert fault.last_supplier_message_at == datetime(2022, 8, 25, 12, 18, 12, 181000, tzinfo=UTC)


def test_v5s_information_required_event_fetches_the_ticket_and_shows_the_suppliers_question(
    client, raise_fault, supplier_tickets
):
    """Its ticket is only a reference (id, href, name): the ticket is read back with GET, and
    MEF 124 R63's note says what the supplier needs (the example ticket, pending and without a
    reason of its own)."""
    fault = raise_fault("in-progress", ticket="3180", start=BEFORE_THE_EXAMPLES)
    ticket = example("v5-retrieve-ticket")
    ticket.update(status="pending", lastUpdate="2022-08-25T12:18:00Z")
    del ticket["statusChangeReason"]
    supplier_tickets.tickets["3180"] = ticket

    post_event(
        client,
        example("v5-information-required-event"),
        event_type="troubleTicketInformationRequiredEvent",
    )
    applied_one()

    assert [path for path, _ in supplier_tickets.requests] == [
        "/tmf-api/troubleTicket/v4/troubleTicket/3180"
    ]
    fault.refresh_from_db()
    assert fault.status == FaultStatus.ON_HOLD
    assert fault.status_reason == (
        "Information required by the supplier: "
        "This is quite important, please approach me as soon as possible"
    )
    assert open_pause(fault).started_at == datetime(2022, 8, 25, 12, 18, tzinfo=UTC)  # lastUpdate
    assert list(fault.comments.values_list("text", "commented_by")) == [
        ("This is quite important, please approach me as soon as possible", "seller")
    ]


def test_mef_124s_id_only_resolved_event_fetches_the_ticket_and_resolves_the_fault(
    client, raise_fault, supplier_tickets
):
    ticket_id = "00000000-4444-5555-6666-000000000987"
    fault = raise_fault(
        "in-progress",
        ticket=ticket_id,
        start=BEFORE_THE_EXAMPLES,
        buyer_fault_reference="BuyerTicket-123",  # the example's externalId
    )
    ticket = example("mef124-ticket")
    ticket.update(
        status="resolved",
        statusChangeReason="Faulty card replaced",
        lastUpdate="2021-06-03T15:56:00Z",
    )
    supplier_tickets.tickets[ticket_id] = ticket

    response = post_event(client, example("mef124-resolved-event"))
    applied_one()

    assert response.json()["id"] == "event-001"
    fault.refresh_from_db()
    assert (fault.status, fault.status_reason) == (FaultStatus.RESOLVED, "Faulty card replaced")
    assert fault.resolved_at == datetime(2021, 6, 3, 15, 56, tzinfo=UTC)
    # The buyer's own note (MEF 124's source: buyer) is not taken for the supplier's.
    assert not fault.comments.exists()
    assert list(fault.updates.values_list("description", flat=True)) == [
        "The supplier expects to resolve it by 2021-06-03 20:56 UTC."
    ]


def test_mef_124s_ticket_read_back_by_get_acknowledges_a_pending_fault(raise_fault):
    """A GET answer (reconciliation) stored with `store_ticket` is applied like an event."""
    fault = raise_fault(
        "pending", ticket="", start=BEFORE_THE_EXAMPLES, buyer_fault_reference="BuyerTicket-123"
    )
    ticket = example("mef124-ticket")

    inbound_id = store_ticket(partner=fault.supplier, ticket=ticket, source="get")
    status = inbox_apply(inbound_id=inbound_id)

    assert status == InboundStatus.APPLIED
    stored = InboundMessage.objects.get(pk=inbound_id)
    assert (stored.message_type, stored.message_id, stored.fault) == (
        "troubleTicket",
        "get:00000000-4444-5555-6666-000000000987:2021-06-02T20:56:08.559Z",
        fault,
    )
    fault.refresh_from_db()
    assert fault.status == FaultStatus.ACCEPTED
    assert fault.maintainer_fault_reference == "00000000-4444-5555-6666-000000000987"
    assert fault.accepted_at == datetime(2021, 6, 2, 20, 56, 8, 559000, tzinfo=UTC)


# --- what TMF's words do to the SLA -------------------------------------------------------------
def test_pending_pauses_the_sla_until_the_supplier_works_it_again(client, raise_fault):
    fault = raise_fault("in-progress")
    start = datetime.now(UTC) - timedelta(minutes=30)

    post_event(
        client,
        status_event(fault, "pending", reason="Please confirm site access hours", at=start),
    )
    apply_received()
    fault.refresh_from_db()
    assert (fault.status, fault.status_reason) == (
        FaultStatus.ON_HOLD,
        "Information required by the supplier: Please confirm site access hours",
    )
    assert open_pause(fault).started_at == start

    post_event(
        client, status_event(fault, "inProgress", at=start + timedelta(minutes=10), event_id="E2")
    )
    apply_received()

    fault.refresh_from_db()
    assert fault.status == FaultStatus.IN_PROGRESS
    assert open_pause(fault) is None
    (pause,) = SlaPause.objects.filter(fault=fault)
    assert pause.ended_at - pause.started_at == timedelta(minutes=10)


def test_the_agents_queue_shows_what_the_supplier_needs_under_on_hold(
    client, agent_client, raise_fault
):
    fault = raise_fault("in-progress")
    post_event(client, status_event(fault, "pending", reason="Please confirm site access hours"))
    apply_received()

    page = agent_client.get(reverse("queue"))

    on_hold = next(s for s in page.context["sections"] if s.section.key == "on-hold")
    assert [row.pk for row in on_hold.section.rows] == [fault.pk]
    assert "What the supplier is waiting for" in page.text
    assert "Information required by the supplier: Please confirm site access hours" in page.text


@pytest.mark.parametrize(
    ("connection", "status", "paused"),
    [
        ("none", FaultStatus.IN_PROGRESS, False),
        ("default", FaultStatus.IN_PROGRESS, False),
        ("holds pause", FaultStatus.ON_HOLD, True),
    ],
)
def test_held_keeps_the_sla_running_unless_the_partners_holds_pause_it(
    client, tmf_supplier, raise_fault, connection, status, paused
):
    if connection == "none":
        Tmf621Connection.objects.filter(partner=tmf_supplier).delete()
    elif connection == "holds pause":
        Tmf621Connection.objects.filter(partner=tmf_supplier).update(holds_pause_sla=True)
    fault = raise_fault("in-progress")

    post_event(client, status_event(fault, "held", reason="Waiting for a splice team"))
    applied_one()

    fault.refresh_from_db()
    assert (fault.status, fault.status_reason) == (
        status,
        "Held by the supplier: Waiting for a splice team",
    )
    assert (open_pause(fault) is not None) == paused


def test_a_hold_over_leaves_no_held_reason_behind(client, raise_fault):
    """Held keeps the fault in progress with the supplier's reason; when the ticket is back in
    progress with no reason, the fault's header no longer says it is held."""
    fault = raise_fault("in-progress")
    start = datetime.now(UTC) - timedelta(minutes=5)
    post_event(client, status_event(fault, "held", at=start, reason="Waiting for a splice team"))
    applied_one()
    post_event(
        client, status_event(fault, "inProgress", at=start + timedelta(minutes=1), event_id="EV-2")
    )
    applied_one()

    fault.refresh_from_db()
    assert (fault.status, fault.status_reason) == (FaultStatus.IN_PROGRESS, "")


def test_assessing_cancellation_leaves_the_status_and_shows_the_reason(client, raise_fault):
    fault = raise_fault("in-progress")

    post_event(
        client,
        status_event(fault, "assessingCancellation", reason="Checking other buyers' services"),
    )
    applied_one()

    fault.refresh_from_db()
    assert fault.status == FaultStatus.IN_PROGRESS
    assert FaultUpdate.objects.filter(fault=fault).get().description == (
        "The supplier is assessing our cancellation: Checking other buyers' services"
    )


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("acknowledged", FaultStatus.ACCEPTED),
        ("inProgress", FaultStatus.IN_PROGRESS),
        ("rejected", FaultStatus.REJECTED),
        ("cancelled", FaultStatus.CANCELLED),
    ],
)
def test_a_pending_fault_follows_each_word_the_supplier_answers_with(
    client, raise_fault, word, status
):
    fault = raise_fault("pending")

    post_event(client, status_event(fault, word, reason="As the supplier says"))
    applied_one()

    fault.refresh_from_db()
    assert (fault.status, fault.status_reason) == (status, "As the supplier says")


def test_resolved_then_closed_and_reopened_follow_mef_124(client, raise_fault):
    fault = raise_fault("resolved")
    now = datetime.now(UTC)

    post_event(client, status_event(fault, "reopened", reason="Still down", at=now))
    apply_received()
    fault.refresh_from_db()
    assert fault.status == FaultStatus.REOPENED

    post_event(client, status_event(fault, "resolved", at=now + timedelta(seconds=1), event_id="2"))
    post_event(client, status_event(fault, "closed", at=now + timedelta(seconds=2), event_id="3"))
    apply_received()
    fault.refresh_from_db()
    assert fault.status == FaultStatus.CLOSED


# --- twice, and out of order --------------------------------------------------------------------
def test_an_older_event_does_not_override_a_newer_status(client, raise_fault):
    fault = raise_fault("in-progress")
    now = datetime.now(UTC)
    newer = status_event(fault, "resolved", reason="Fixed", at=now, event_id="E-NEW")
    older = status_event(
        fault, "pending", reason="Access?", at=now - timedelta(minutes=5), event_id="E-OLD"
    )

    post_event(client, newer)
    post_event(client, older)
    applied = apply_received()

    assert [m.status for m in applied] == [InboundStatus.APPLIED, InboundStatus.APPLIED]
    fault.refresh_from_db()
    assert (fault.status, fault.status_reason) == (FaultStatus.RESOLVED, "Fixed")
    stale = fault.events.get(kind=EventKind.STALE_STATUS)
    assert stale.to_status == FaultStatus.ON_HOLD


def test_events_arriving_in_order_after_a_duplicate_are_each_applied_once(client, raise_fault):
    fault = raise_fault("in-progress")
    now = datetime.now(UTC)
    pending = status_event(fault, "pending", reason="Access?", at=now, event_id="E1")
    working = status_event(fault, "inProgress", at=now + timedelta(minutes=1), event_id="E2")

    for body in (pending, pending, working, pending):
        assert post_event(client, body).status_code == 201
    apply_received()

    fault.refresh_from_db()
    assert fault.status == FaultStatus.IN_PROGRESS
    moves = list(
        fault.events.filter(kind=EventKind.STATUS, at__gte=now).values_list("to_status", flat=True)
    )
    assert moves == [FaultStatus.ON_HOLD, FaultStatus.IN_PROGRESS]
    assert InboundMessage.objects.get(message_id="E1").duplicates_received == 2


def test_supplier_notes_repeated_in_every_event_are_one_comment_each(client, raise_fault):
    fault = raise_fault("in-progress")
    now = datetime.now(UTC)
    first_note = {"id": "n1", "date": now.isoformat(), "text": "Engineer dispatched"}
    ours = {"id": "noc-comment-5", "author": "NOC agent", "text": "Any news?"}
    second_note = {"id": "n2", "text": "Card replaced"}

    post_event(client, status_event(fault, "inProgress", notes=[first_note], at=now))
    post_event(
        client,
        status_event(
            fault,
            "resolved",
            notes=[first_note, ours, second_note],
            at=now + timedelta(minutes=1),
            event_id="E2",
        ),
    )
    apply_received()

    assert sorted(fault.comments.values_list("text", flat=True)) == [
        "Card replaced",
        "Engineer dispatched",
    ]
    assert fault.events.filter(kind=EventKind.COMMENT).count() == 2


def test_a_status_we_do_not_know_is_an_anomaly_a_person_sees(client, raise_fault):
    fault = raise_fault("in-progress")

    post_event(client, status_event(fault, "awaitingParts", reason="Part on order"))
    message = applied_one()

    fault.refresh_from_db()
    assert fault.status == FaultStatus.IN_PROGRESS
    anomaly = fault.events.get(kind=EventKind.ANOMALY)
    assert anomaly.message == (
        "The supplier sent the status 'awaitingParts', which we do not know; the fault's status "
        "is unchanged."
    )
    assert anomaly.data == {"reported": "awaitingParts"}
    assert message.last_error == ""


def test_an_event_for_a_partner_turned_inactive_after_it_arrived_is_still_applied(
    client, tmf_supplier, raise_fault
):
    """Nothing received is lost: what was acknowledged is applied."""
    fault = raise_fault("in-progress")
    post_event(client, status_event(fault, "resolved"))
    Partner.objects.filter(pk=tmf_supplier.pk).update(is_active=False)

    applied_one()

    fault.refresh_from_db()
    assert fault.status == FaultStatus.RESOLVED
