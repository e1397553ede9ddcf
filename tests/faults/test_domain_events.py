"""Domain events (faults/events.py): every change of a fault that passes through the audit funnel
reaches each subscriber as exactly one typed event, in the order the changes were made, inside
the change's transaction, so what a subscriber writes commits or rolls back with the change."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone

from faults import events
from faults.choices import ActorKind, EventKind, FaultStatus, FaultType, PartnerOperation
from faults.errors import TransitionNotAllowed
from faults.events import (
    AttachmentAdded,
    AttributesChanged,
    CommentAdded,
    FaultCreated,
    FaultResolved,
    InformationRequired,
    StatusChanged,
    subscribe,
    subscribed,
    unsubscribe,
)
from faults.models import Fault, FaultComment, FaultEvent
from faults.ports import record_intended_call
from faults.services import (
    Actor,
    CommentEntry,
    LateRepair,
    SupplierReport,
    fault_accept_resolution,
    fault_amend,
    fault_apply_supplier_report,
    fault_apply_supplier_status,
    fault_appointment_set,
    fault_attachment_add,
    fault_comment_add,
    fault_create_draft,
    faults_auto_close_due,
)
from faults.services.audit import fault_event_record
from tests.factories import FaultFactory
from tests.helpers import SUPPLIER, bring_to

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


@pytest.fixture
def received():
    """What a subscriber is called with, subscribed for the test only."""
    seen: list[events.DomainEvent] = []
    with subscribed(seen.append):
        yield seen


class DurableSubscriber:
    """What an integration's subscriber does: writes a row in the change's transaction (here a
    "call requested" audit row naming the event) and acts on it only after commit."""

    def __init__(self) -> None:
        self.delivered: list[events.DomainEvent] = []

    def __call__(self, event: events.DomainEvent) -> None:
        record_intended_call(
            fault=Fault.objects.get(pk=event.fault_id),
            operation=PartnerOperation.REQUEST_UPDATE,
            payload={"event": type(event).__name__, "audit_event_id": event.audit_event_id},
            at=event.at,
        )
        transaction.on_commit(lambda: self.delivered.append(event))

    @staticmethod
    def rows() -> list[tuple[str, int]]:
        written = FaultEvent.objects.filter(data__payload__has_key="event").order_by("id")
        return [(r.data["payload"]["event"], r.data["payload"]["audit_event_id"]) for r in written]


@pytest.fixture
def durable():
    subscriber = DurableSubscriber()
    with subscribed(subscriber):
        yield subscriber


def audit_row(fault, kind) -> FaultEvent:
    (row,) = FaultEvent.objects.filter(fault=fault, kind=kind).order_by("-id")[:1]
    return row


# --- one event per change, with its fields -----------------------------------------------------
def test_creating_a_draft_is_one_fault_created(partner, buyer_identifier, agent, received):
    fault = fault_create_draft(
        actor=agent, supplier=partner, service_id="S21709", fault_type="Impaired Service"
    )

    row = audit_row(fault, EventKind.CREATED)
    assert received == [
        FaultCreated(
            fault_id=fault.pk,
            at=row.at,
            actor="test-agent",
            audit_event_id=row.pk,
            status=FaultStatus.DRAFT,
        )
    ]


def test_submitting_is_one_status_change_and_the_queued_call_none(draft, agent, received):
    bring_to(draft, "pending")

    row = audit_row(draft, EventKind.STATUS)
    assert FaultEvent.objects.filter(fault=draft, kind=EventKind.PARTNER_CALL).exists()
    assert received == [
        StatusChanged(
            fault_id=draft.pk,
            at=row.at,
            actor="System test",
            audit_event_id=row.pk,
            from_status=FaultStatus.DRAFT,
            to_status=FaultStatus.PENDING,
        )
    ]


def test_a_supplier_notification_is_one_event_per_change_in_the_order_made(draft, received):
    bring_to(draft, "pending")
    received.clear()

    fault_apply_supplier_report(
        fault_id=draft.pk,
        report=SupplierReport(
            sent_at=timezone.now(),
            status="accepted",
            maintainer_fault_reference="CS0042",
            comments=(CommentEntry(text="We are on it.", commented_by="seller"),),
            details={"triage_findings": "Fibre cut at the pole."},
        ),
        actor=Actor.partner("MSG-7"),
    )

    comment = FaultComment.objects.get(fault=draft, text="We are on it.")
    assert [type(e) for e in received] == [
        AttributesChanged,
        CommentAdded,
        AttributesChanged,
        StatusChanged,
    ]
    reference, added, details, status = received
    assert reference.fields == ("maintainer_fault_reference",)
    assert added.comment_id == comment.pk
    assert details.fields == ("triage_findings",)
    assert (status.from_status, status.to_status) == ("pending", "accepted")
    assert {e.actor for e in received} == {"Partner message MSG-7"}
    ids = [e.audit_event_id for e in received]
    assert ids == sorted(ids)
    assert all(FaultEvent.objects.get(pk=i).fault_id == draft.pk for i in ids)


def test_a_status_that_skips_steps_is_one_event_per_step_and_the_anomaly_none(draft, received):
    bring_to(draft, "pending")
    received.clear()

    fault_apply_supplier_status(
        fault_id=draft.pk, status="resolved", actor=SUPPLIER, sent_at=timezone.now()
    )

    assert FaultEvent.objects.filter(fault=draft, kind=EventKind.ANOMALY).exists()
    assert [(type(e), e.from_status, e.to_status) for e in received] == [
        (StatusChanged, "pending", "accepted"),
        (FaultResolved, "accepted", "resolved"),
    ]


def test_resolution_and_on_hold_are_status_changes_of_their_own_type(draft, received):
    bring_to(draft, "on-hold")
    on_hold = received[-1]
    fault_apply_supplier_status(
        fault_id=draft.pk, status="resolved", actor=SUPPLIER, sent_at=timezone.now()
    )
    resolved = received[-1]

    assert type(on_hold) is InformationRequired
    assert (on_hold.from_status, on_hold.to_status) == ("in-progress", "on-hold")
    assert type(resolved) is FaultResolved
    assert (resolved.from_status, resolved.to_status) == ("on-hold", "resolved")
    # Still one event per change: a subscriber that follows status changes sees every one.
    statuses = [e.to_status for e in received if isinstance(e, StatusChanged)]
    assert statuses == ["pending", "accepted", "in-progress", "on-hold", "resolved"]
    assert len(received) == len(statuses) + 1  # and the supplier's reference, with acceptance


def test_accepting_a_resolution_is_one_status_change(draft, agent, received):
    bring_to(draft, "resolved")
    received.clear()

    fault_accept_resolution(fault_id=draft.pk, actor=agent)

    assert [(type(e), e.from_status, e.to_status, e.actor) for e in received] == [
        (StatusChanged, "resolved", "closed", "test-agent")
    ]


def test_the_auto_close_is_one_status_change_and_its_note_none(draft, received):
    bring_to(draft, "resolved")
    received.clear()

    assert faults_auto_close_due(now=timezone.now() + timedelta(days=3)) == 1

    assert FaultEvent.objects.filter(fault=draft, kind=EventKind.AUTO_ACCEPTED).exists()
    assert [(type(e), e.to_status, e.actor) for e in received] == [
        (StatusChanged, "closed", "Timer auto-close-48h")
    ]


def test_an_amend_names_the_fields_it_changed(draft, agent, received):
    bring_to(draft, "accepted")
    received.clear()

    fault_amend(
        fault_id=draft.pk,
        actor=agent,
        changes={"reporter_name": "Ann Other", "description": "Worse now.", "priority": 3},
    )

    row = audit_row(draft, EventKind.AMENDED)
    assert received == [
        AttributesChanged(
            fault_id=draft.pk,
            at=row.at,
            actor="test-agent",
            audit_event_id=row.pk,
            fields=("description", "reporter_name"),
        )
    ]


def test_an_amend_that_changes_nothing_emits_nothing(draft, agent, received):
    fault_amend(fault_id=draft.pk, actor=agent, changes={"priority": draft.priority})

    assert received == []


def test_a_late_repair_notification_names_its_figures(draft, received):
    bring_to(draft, "in-progress")
    received.clear()

    fault_apply_supplier_report(
        fault_id=draft.pk,
        report=SupplierReport(late_repair=LateRepair(total_days=2, seller_days=1)),
        actor=SUPPLIER,
    )

    (event,) = received
    assert event.fields == tuple(sorted(events.LATE_REPAIR_FIELDS))


def test_an_appointment_on_the_fault_is_an_attribute_change(
    partner, buyer_identifier, agent, received
):
    fault = FaultFactory(
        supplier=partner, buyer_identifier=buyer_identifier, fault_type=FaultType.SERVICE_OUTAGE
    )

    fault_appointment_set(
        fault_id=fault.pk,
        actor=agent,
        reservation_key="K-1",
        valid_until=timezone.now() + timedelta(hours=2),
        slot={"date": "2030-01-02", "start_time": "08:00", "end_time": "13:00"},
    )

    (event,) = received
    assert event.fields == ("appointment_reservation_key", "appointment_valid_until")


def test_an_appointment_change_without_a_fault_field_names_the_appointment():
    assert events.changed_fields(EventKind.SUPPLIER_DATA, {"appointment": {"key": "K"}}) == (
        "appointment",
    )
    assert events.changed_fields(EventKind.AMENDED, {"appointment": {"key": "K"}}) == (
        "appointment",
    )


def test_our_comment_is_one_comment_added_and_its_echo_none(draft, agent, received):
    bring_to(draft, "accepted")
    received.clear()

    comment = fault_comment_add(fault_id=draft.pk, actor=agent, text="Customer is on site.")
    fault_apply_supplier_report(  # the supplier sends our comment back in its next message
        fault_id=draft.pk,
        report=SupplierReport(
            comments=(
                CommentEntry(
                    text=comment.text, commented_by="buyer", commented_time=comment.commented_time
                ),
            )
        ),
        actor=SUPPLIER,
    )

    assert [(type(e), e.comment_id, e.actor) for e in received] == [
        (CommentAdded, comment.pk, "test-agent")
    ]


def test_an_attachment_is_one_attachment_added(draft, agent, received):
    upload = SimpleUploadedFile("trace.pcap", b"\xd4\xc3\xb2\xa1" + b"0" * 100)

    attachment = fault_attachment_add(fault_id=draft.pk, actor=agent, upload=upload)

    assert [(type(e), e.attachment_id) for e in received] == [(AttachmentAdded, attachment.pk)]


def test_rows_that_change_nothing_emit_nothing(draft, received):
    bring_to(draft, "in-progress")
    received.clear()
    then = timezone.now() - timedelta(days=1)

    fault_apply_supplier_status(fault_id=draft.pk, status="resolved", actor=SUPPLIER, sent_at=then)
    fault_apply_supplier_status(fault_id=draft.pk, status="mended", actor=SUPPLIER)

    kinds = set(FaultEvent.objects.filter(fault=draft).values_list("kind", flat=True))
    assert {EventKind.STALE_STATUS, EventKind.ANOMALY} <= kinds
    assert received == []


@pytest.mark.parametrize("kind", EventKind.values)
def test_every_kind_of_audit_row_has_its_event_decided(kind):
    row = FaultEvent(
        pk=1,
        fault_id=1,
        kind=kind,
        at=timezone.now(),
        actor_kind=ActorKind.SYSTEM,
        actor_ref="x",
        from_status="in-progress",
        to_status="on-hold",
        data={"comment_id": 2, "attachment_id": 3, "changes": {"priority": [3, 2]}},
    )

    event = events.event_for(row)

    assert (event is None) == (kind in events.EVENTLESS_KINDS)


# --- subscribers ---------------------------------------------------------------------------------
def test_a_subscriber_subscribed_twice_gets_each_event_once(draft, agent):
    seen = []
    subscribe(seen.append)
    subscribe(seen.append)
    try:
        fault_comment_add(fault_id=draft.pk, actor=agent, text="Once.")
    finally:
        unsubscribe(seen.append)

    assert len(seen) == 1


def test_an_unsubscribed_subscriber_gets_nothing(draft, agent):
    seen = []
    subscribe(seen.append)
    unsubscribe(seen.append)
    unsubscribe(seen.append)  # again: ignored

    fault_comment_add(fault_id=draft.pk, actor=agent, text="Nobody listens.")

    assert seen == []


def test_each_subscriber_gets_every_event_in_the_same_order_even_those_a_subscriber_causes(
    draft, agent
):
    def comment_on_status(event):
        if isinstance(event, StatusChanged) and event.to_status == FaultStatus.PENDING:
            fault_comment_add(fault_id=event.fault_id, actor=agent, text="Raised with supplier.")

    first, last = [], []
    with subscribed(first.append), subscribed(comment_on_status), subscribed(last.append):
        bring_to(draft, "pending")

    assert [type(e) for e in first] == [StatusChanged, CommentAdded]
    assert last == first


def test_a_subscriber_error_fails_the_change(draft, agent):
    def refuse(event):
        raise Boom("the subscriber could not write its row")

    with subscribed(refuse), pytest.raises(Boom):
        fault_comment_add(fault_id=draft.pk, actor=agent, text="Lost with the change.")

    assert not FaultComment.objects.filter(fault=draft).exists()
    assert not FaultEvent.objects.filter(fault=draft, kind=EventKind.COMMENT).exists()


def test_events_recorded_as_history_say_so(draft, agent, received):
    with events.events_recording_history():
        fault_comment_add(fault_id=draft.pk, actor=agent, text="Long ago.")
    fault_comment_add(fault_id=draft.pk, actor=agent, text="Now.")

    assert [e.history for e in received] == [True, False]


def test_no_subscriber_no_work(draft, agent, django_assert_num_queries, monkeypatch):
    """Without subscribers the funnel costs what it cost before: one insert per row."""
    monkeypatch.setattr(events, "_subscribers", [])
    fault = Fault.objects.get(pk=draft.pk)
    with django_assert_num_queries(1):
        fault_event_record(
            fault=fault, kind=EventKind.COMMENT, actor=agent, at=timezone.now(), data={}
        )


# --- with the transaction ------------------------------------------------------------------------
def test_what_a_subscriber_writes_is_there_once_the_change_is(draft, agent, durable):
    with transaction.atomic():
        fault_comment_add(fault_id=draft.pk, actor=agent, text="Kept.")

    row = audit_row(draft, EventKind.COMMENT)
    assert durable.rows() == [("CommentAdded", row.pk)]


def test_a_change_rolled_back_leaves_nothing_a_subscriber_wrote(
    draft, agent, durable, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        fault_comment_add(fault_id=draft.pk, actor=agent, text="Rolled back.")
        raise Boom

    assert durable.rows() == []
    assert durable.delivered == []
    assert not FaultComment.objects.filter(fault=draft).exists()


def test_a_refused_transition_emits_nothing(draft, agent, received, durable):
    bring_to(draft, "pending")
    received.clear()
    before = durable.rows()

    with pytest.raises(TransitionNotAllowed):
        fault_accept_resolution(fault_id=draft.pk, actor=agent)

    assert received == []
    assert durable.rows() == before


# --- PostgreSQL: real commits and rollbacks ------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestCommittedAndRolledBack:
    def test_each_change_is_delivered_after_commit_once_in_order(self, draft, agent):
        durable = DurableSubscriber()
        with subscribed(durable):
            bring_to(draft, "in-progress")
            fault_comment_add(fault_id=draft.pk, actor=agent, text="Committed.")

        assert [type(e).__name__ for e in durable.delivered] == [
            "StatusChanged",
            "AttributesChanged",  # the supplier's reference, with its acceptance
            "StatusChanged",
            "StatusChanged",
            "CommentAdded",
        ]
        assert durable.rows() == [(type(e).__name__, e.audit_event_id) for e in durable.delivered]

    def test_a_change_rolled_back_delivers_and_leaves_nothing(self, draft, agent):
        bring_to(draft, "accepted")
        durable = DurableSubscriber()
        with subscribed(durable), pytest.raises(Boom), transaction.atomic():
            fault_apply_supplier_status(fault_id=draft.pk, status="in-progress", actor=SUPPLIER)
            raise Boom

        assert durable.delivered == []
        assert durable.rows() == []
        assert Fault.objects.get(pk=draft.pk).status == FaultStatus.ACCEPTED

    def test_a_subscriber_error_outside_a_transaction_leaves_no_audit_row(self, draft, agent):
        def write_then_fail(event):
            DurableSubscriber()(event)
            raise Boom

        assert connection.get_autocommit()
        with subscribed(write_then_fail), pytest.raises(Boom):
            fault_event_record(
                fault=draft, kind=EventKind.AMENDED, actor=agent, at=timezone.now(), data={}
            )

        assert not FaultEvent.objects.filter(fault=draft).exists()
