"""The inbox contract, through each package's endpoint: a notification is acknowledged and
stored raw before anything is applied, stored once, applied at most once (a duplicate is counted
and acknowledged again), refused with nothing stored when it names no fault of ours under that
buyer identifier, given up on after the last failed attempt, and picked up again by the sweep."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from faults.choices import EventKind, FaultStatus
from faults.models import Fault, FaultEvent
from integrations.choices import InboundStatus
from integrations.inbox import (
    MAX_APPLY_ATTEMPTS,
    UnknownFault,
    inbox_apply,
    inbox_retry,
    inbox_store,
    inbox_sweep,
)
from integrations.models import InboundMessage
from tests.factories import BuyerIdentifierFactory
from tests.helpers import bring_to
from tests.spine.contract import SUBMITTED, fault_state


def at_minute(minute: int) -> datetime:
    return SUBMITTED + timedelta(hours=1, minutes=minute)


def assert_refused(driver, response, *, fault: Fault, before: tuple, message_id: str) -> None:
    """Refused with 400 in the protocol's own shape, the message id echoed; nothing stored and
    the fault as it was."""
    assert response.status_code == 400, response.content
    answer = driver.read_answer(response)
    assert (answer.code, answer.message_id) == (400, message_id)
    assert answer.error
    assert InboundMessage.objects.count() == 0
    assert fault_state(fault) == before


# --- stored, then applied ---------------------------------------------------------------------
def test_a_notification_is_acknowledged_and_stored_raw_before_it_is_applied(
    protocol_driver, client, partner, pending, pki
):
    body = protocol_driver.notification(pending, message_id="N-1", sent_at=at_minute(5))

    response = protocol_driver.post(client, partner.slug, body)

    assert response.status_code == 200, response.content
    answer = protocol_driver.read_answer(response)
    assert (answer.code, answer.message_id, answer.error) == (200, "N-1", "")
    stored = InboundMessage.objects.get()
    assert bytes(stored.body) == body
    assert (stored.partner_id, stored.fault_id) == (partner.pk, pending.pk)
    assert (stored.message_type, stored.message_id) == (protocol_driver.notification_type, "N-1")
    assert stored.sent_at == at_minute(5)
    assert (stored.status, stored.attempts) == (InboundStatus.RECEIVED, 0)
    assert stored.remote_addr == "127.0.0.1"
    assert stored.client_cert_fingerprint == pki.supplier_client.fingerprint
    assert Fault.objects.get(pk=pending.pk).status == FaultStatus.PENDING  # not applied yet


def test_applying_moves_the_faults_status_through_the_domain(
    protocol_driver, client, partner, pending
):
    body = protocol_driver.notification(pending, message_id="N-1", sent_at=at_minute(5))
    protocol_driver.post(client, partner.slug, body)
    stored = InboundMessage.objects.get()

    assert inbox_apply(inbound_id=stored.pk) == InboundStatus.APPLIED

    stored.refresh_from_db()
    assert (stored.status, stored.attempts, stored.last_error) == ("applied", 1, "")
    assert stored.applied_at is not None
    pending.refresh_from_db()
    assert pending.status == FaultStatus.ACCEPTED
    (event,) = FaultEvent.objects.filter(
        fault=pending, kind=EventKind.STATUS, to_status=FaultStatus.ACCEPTED
    )
    assert event.at == at_minute(5)


def test_applied_once_the_storing_commits_after_the_answer(
    protocol_driver,
    client,
    partner,
    pending,
    django_capture_on_commit_callbacks,
    tasks_run_when_published,
):
    body = protocol_driver.notification(pending, message_id="N-1", sent_at=at_minute(5))
    with django_capture_on_commit_callbacks(execute=False) as on_commit:
        response = protocol_driver.post(client, partner.slug, body)
    assert response.status_code == 200
    assert Fault.objects.get(pk=pending.pk).status == FaultStatus.PENDING

    for callback in on_commit:  # the commit
        callback()

    assert InboundMessage.objects.get().status == InboundStatus.APPLIED
    assert Fault.objects.get(pk=pending.pk).status == FaultStatus.ACCEPTED


def test_a_duplicate_is_counted_acknowledged_again_and_never_applied_twice(
    protocol_driver, client, partner, pending
):
    body = protocol_driver.notification(pending, message_id="N-1", sent_at=at_minute(5))
    protocol_driver.post(client, partner.slug, body)
    inbox_apply(inbound_id=InboundMessage.objects.get().pk)
    after_first = fault_state(pending)

    again = [protocol_driver.post(client, partner.slug, body) for _ in range(2)]

    for response in again:
        assert response.status_code == 200
        assert protocol_driver.read_answer(response).message_id == "N-1"
    stored = InboundMessage.objects.get()
    assert (stored.duplicates_received, stored.status) == (2, InboundStatus.APPLIED)
    assert inbox_apply(inbound_id=stored.pk) is None
    assert fault_state(pending) == after_first
    assert pending.updates.count() == 1


def test_a_duplicate_that_arrives_before_the_first_is_applied_is_applied_once(
    protocol_driver, client, partner, pending
):
    body = protocol_driver.notification(pending, message_id="N-1", sent_at=at_minute(5))
    for _ in range(3):
        assert protocol_driver.post(client, partner.slug, body).status_code == 200

    stored = InboundMessage.objects.get()
    assert inbox_apply(inbound_id=stored.pk) == InboundStatus.APPLIED
    assert inbox_apply(inbound_id=stored.pk) is None
    assert pending.updates.count() == 1


def test_two_waiting_messages_of_a_fault_are_applied_in_the_order_they_were_sent(
    protocol_driver, client, partner, pending
):
    """A worker that picks up the later message first (two workers, one per message) still
    applies the earlier one first: nothing is taken for stale that was only late in the queue."""
    accepted = protocol_driver.notification(
        pending, message_id="N-1", status="accepted", sent_at=at_minute(5)
    )
    started = protocol_driver.notification(
        pending, message_id="N-2", status="in-progress", sent_at=at_minute(9)
    )
    for body in (accepted, started):
        assert protocol_driver.post(client, partner.slug, body).status_code == 200
    first, second = InboundMessage.objects.order_by("sent_at")

    assert inbox_apply(inbound_id=second.pk) == InboundStatus.APPLIED
    assert inbox_apply(inbound_id=first.pk) is None  # applied already, by the call above

    pending.refresh_from_db()
    assert pending.status == FaultStatus.IN_PROGRESS
    moves = FaultEvent.objects.filter(
        fault=pending, kind=EventKind.STATUS, at__gt=SUBMITTED
    ).order_by("at", "id")
    assert [(e.to_status, e.at) for e in moves] == [
        (FaultStatus.ACCEPTED, at_minute(5)),
        (FaultStatus.IN_PROGRESS, at_minute(9)),
    ]
    assert not FaultEvent.objects.filter(fault=pending, kind=EventKind.STALE_STATUS).exists()
    assert set(InboundMessage.objects.values_list("status", flat=True)) == {InboundStatus.APPLIED}


def test_a_reused_message_id_with_another_body_is_another_message(
    protocol_driver, client, partner, pending
):
    first = protocol_driver.notification(pending, message_id="N-7", sent_at=at_minute(5))
    second = protocol_driver.notification(
        pending, message_id="N-7", status="in-progress", sent_at=at_minute(9)
    )
    for body in (first, second):
        assert protocol_driver.post(client, partner.slug, body).status_code == 200

    rows = list(InboundMessage.objects.order_by("id"))
    assert [bytes(row.body) for row in rows] == [first, second]
    assert [row.duplicates_received for row in rows] == [0, 0]
    for row in rows:
        inbox_apply(inbound_id=row.pk)
    pending.refresh_from_db()
    assert pending.status == FaultStatus.IN_PROGRESS


# --- refused: nothing stored ------------------------------------------------------------------
def test_an_unknown_fault_reference_is_refused_and_nothing_stored(
    protocol_driver, client, partner, pending
):
    before = fault_state(pending)
    body = protocol_driver.notification(pending, message_id="N-1", reference="SP-NOSUCH")

    response = protocol_driver.post(client, partner.slug, body)

    assert_refused(protocol_driver, response, fault=pending, before=before, message_id="N-1")


def test_a_fault_of_another_partner_is_an_unknown_fault(protocol_driver, client, partner, pending):
    """The reference is ours, the fault another partner's: this partner cannot move it."""
    other = protocol_driver.make_partner(slug="another-partner")
    before = fault_state(pending)
    body = protocol_driver.notification(pending, message_id="N-1")

    response = protocol_driver.post(client, other.slug, body)

    assert_refused(protocol_driver, response, fault=pending, before=before, message_id="N-1")


@pytest.mark.parametrize("reference", ["HO-a/b", "../x", ".", "a b", "x" * 37])
def test_a_reference_outside_the_rule_is_an_unknown_fault(protocol_driver, pending, reference):
    """No fault can have such a reference, so none is looked up, even one stored before the
    rule."""
    Fault.objects.filter(pk=pending.pk).update(buyer_fault_reference=reference[:36])
    pending.refresh_from_db()

    with pytest.raises(UnknownFault):
        inbox_store(protocol_driver.received(pending, message_id="N-1", reference=reference))

    assert InboundMessage.objects.count() == 0


def test_a_notification_under_another_buyer_identifier_than_the_faults_is_refused(
    protocol_driver, client, partner
):
    """The partner has the fault, but raised under another of our buyer identifiers: the
    message is not for it."""
    BuyerIdentifierFactory(partner=partner, code="HOLDOUT2")
    fault = bring_to(
        protocol_driver.make_fault(partner, buyer_identifier="HOLDOUT2"), "pending", start=SUBMITTED
    )
    before = fault_state(fault)
    body = protocol_driver.notification(fault, message_id="N-1", buyer_identifier="SPDEV1")

    response = protocol_driver.post(client, partner.slug, body)

    assert_refused(protocol_driver, response, fault=fault, before=before, message_id="N-1")


def test_a_buyer_identifier_the_partner_does_not_have_is_refused(
    protocol_driver, client, partner, pending
):
    before = fault_state(pending)
    body = protocol_driver.notification(pending, message_id="N-1", buyer_identifier="SPNOBODY")

    response = protocol_driver.post(client, partner.slug, body)

    assert_refused(protocol_driver, response, fault=pending, before=before, message_id="N-1")


def test_an_unreadable_body_is_refused_in_the_protocols_shape(
    protocol_driver, client, partner, pending
):
    before = fault_state(pending)

    response = protocol_driver.post(client, partner.slug, protocol_driver.unreadable_body)

    assert_refused(protocol_driver, response, fault=pending, before=before, message_id="")


# --- applying fails ---------------------------------------------------------------------------
def test_a_failure_is_recorded_retried_and_given_up_after_the_last_attempt(
    protocol_driver, pending
):
    before = fault_state(pending)
    received = protocol_driver.received(
        pending, message_id="N-1", body=protocol_driver.unreadable_body
    )
    inbound_id = inbox_store(received).inbound_id

    for attempt in range(1, MAX_APPLY_ATTEMPTS + 1):
        status = inbox_apply(inbound_id=inbound_id)
        message = InboundMessage.objects.get(pk=inbound_id)
        assert message.attempts == attempt
        assert message.last_error
    assert status == InboundStatus.FAILED
    assert inbox_apply(inbound_id=inbound_id) is None
    assert fault_state(pending) == before

    assert inbox_retry(inbound_ids=[inbound_id]) == 1  # the admin's "Apply again"
    message.refresh_from_db()
    assert (message.status, message.attempts) == (InboundStatus.RECEIVED, 0)


# --- the sweep --------------------------------------------------------------------------------
def test_the_sweep_queues_again_what_is_still_unapplied_after_a_while(
    protocol_driver, client, partner, pending
):
    def post(minute: int, message_id: str) -> None:
        body = protocol_driver.notification(
            pending, message_id=message_id, sent_at=at_minute(minute)
        )
        assert protocol_driver.post(client, partner.slug, body).status_code == 200

    # Applying a message applies every waiting one of its fault: the first is applied before
    # the others arrive.
    post(5, "N-1")
    inbox_apply(inbound_id=InboundMessage.objects.get().pk)
    post(6, "N-2")
    post(7, "N-3")
    applied, old, _recent = InboundMessage.objects.order_by("id").values_list("id", flat=True)
    InboundMessage.objects.filter(pk__in=[old, applied]).update(
        received_at=timezone.now() - timedelta(minutes=5)
    )

    assert inbox_sweep() == 1  # the old one; not the recent one, not the applied one
    assert inbox_apply(inbound_id=old) == InboundStatus.APPLIED
