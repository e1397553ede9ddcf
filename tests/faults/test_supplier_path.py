"""The supplier-driven path: skipped steps applied and recorded, older messages never move the
status backwards but still add their updates."""

from datetime import timedelta

import pytest
from django.utils import timezone

from faults.choices import EventKind, FaultStatus
from faults.models import FaultUpdate, SlaPause
from faults.services import (
    Actor,
    SupplierReport,
    UpdateEntry,
    fault_apply_supplier_report,
    fault_apply_supplier_status,
)
from tests.factories import FaultFactory
from tests.helpers import bring_to, events

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(partner, buyer_identifier, sla_policy):
    fault = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)
    return bring_to(fault, "pending", start=timezone.now() - timedelta(hours=5))


def apply(fault, status, *, minutes, reason="", updates=(), ref="", message="MSG"):
    """Apply a supplier status sent `minutes` after the fault was submitted."""
    sent_at = fault.submitted_at + timedelta(minutes=minutes)
    return fault_apply_supplier_status(
        fault_id=fault.pk,
        status=status,
        actor=Actor.partner(message),
        sent_at=sent_at,
        reason=reason,
        maintainer_fault_reference=ref,
        updates=updates,
    )


def test_pending_straight_to_in_progress_applies_accepted_and_records_the_skip(pending):
    fault = apply(pending, "in-progress", minutes=5, ref="CS0005727")

    assert fault.status == FaultStatus.IN_PROGRESS
    assert fault.maintainer_fault_reference == "CS0005727"
    moves = [(e.from_status, e.to_status) for e in events(fault, EventKind.STATUS)]
    assert moves[-2:] == [("pending", "accepted"), ("accepted", "in-progress")]
    (anomaly,) = events(fault, EventKind.ANOMALY)
    assert "skipped step(s) accept" in anomaly.message
    assert anomaly.data["applied"] == ["accept", "start"]
    assert fault.accepted_at == fault.submitted_at + timedelta(minutes=5)
    assert fault.sla_state != "none"  # the clock started with the applied acceptance


def test_pending_straight_to_closed_walks_accept_resolve_close(pending):
    fault = apply(pending, "closed", minutes=5)

    assert fault.status == FaultStatus.CLOSED
    assert [e.to_status for e in events(fault, EventKind.STATUS)][-3:] == [
        "accepted",
        "resolved",
        "closed",
    ]
    assert len(events(fault, EventKind.ANOMALY)) == 1


def test_a_step_without_a_skip_records_no_anomaly(pending):
    fault = apply(pending, "accepted", minutes=1)
    fault = apply(fault, "in-progress", minutes=2)

    assert fault.status == FaultStatus.IN_PROGRESS
    assert events(fault, EventKind.ANOMALY) == []


def test_an_older_message_does_not_move_the_status_back_but_adds_its_updates(pending):
    apply(pending, "accepted", minutes=1)
    apply(pending, "on-hold", minutes=30, reason="Waiting for end-user access")
    late = UpdateEntry(
        "Engineer dispatched", "seller", pending.submitted_at + timedelta(minutes=10)
    )

    fault = apply(pending, "in-progress", minutes=10, updates=[late])

    assert fault.status == FaultStatus.ON_HOLD
    assert fault.status_reason == "Waiting for end-user access"
    assert list(fault.updates.values_list("description", flat=True)) == ["Engineer dispatched"]
    (stale,) = events(fault, EventKind.STALE_STATUS)
    assert (stale.from_status, stale.to_status) == ("on-hold", "in-progress")
    assert SlaPause.objects.filter(fault=fault, ended_at__isnull=True).count() == 1


def test_a_newer_message_after_an_older_one_still_applies(pending):
    apply(pending, "accepted", minutes=1)
    apply(pending, "in-progress", minutes=10)
    apply(pending, "on-hold", minutes=5)  # older: ignored

    fault = apply(pending, "resolved", minutes=20)

    assert fault.status == FaultStatus.RESOLVED


def test_the_same_status_again_changes_nothing_but_the_reason(pending):
    apply(pending, "accepted", minutes=1)
    fault = apply(pending, "accepted", minutes=2, reason="Triage complete")

    assert fault.status == FaultStatus.ACCEPTED
    assert fault.status_reason == "Triage complete"
    assert len(events(fault, EventKind.STATUS)) == 2  # submit + accept


def test_a_move_the_supplier_cannot_make_is_recorded_not_applied(pending):
    apply(pending, "accepted", minutes=1)
    apply(pending, "in-progress", minutes=2)

    fault = apply(pending, "open", minutes=3)

    assert fault.status == FaultStatus.IN_PROGRESS
    (anomaly,) = events(fault, EventKind.ANOMALY)
    assert "no such move" in anomaly.message


def test_an_unknown_status_word_is_recorded_not_applied(pending):
    fault = apply(pending, "fixed-ish", minutes=1)

    assert fault.status == FaultStatus.PENDING
    assert "unknown status 'fixed-ish'" in events(fault, EventKind.ANOMALY)[0].message


def test_status_words_are_read_case_insensitively(pending):
    fault = apply(pending, " Accepted ", minutes=1)

    assert fault.status == FaultStatus.ACCEPTED


def test_resent_update_lists_are_merged_without_duplicates(pending):
    t0 = pending.submitted_at
    first = [UpdateEntry("Added image.jpg", "buyer", t0 + timedelta(minutes=1))]
    second = [
        UpdateEntry("Added  image.jpg", "buyer", t0 + timedelta(minutes=1)),  # same, spaced
        UpdateEntry("Resolved - fault fixed.", "Seller", t0 + timedelta(minutes=2)),
    ]
    apply(pending, "accepted", minutes=1, updates=first)
    apply(pending, "resolved", minutes=3, updates=second)
    fault = apply(pending, "resolved", minutes=4, updates=second)

    rows = list(FaultUpdate.objects.filter(fault=fault).values_list("description", "updated_by"))
    assert rows == [("Added image.jpg", "buyer"), ("Resolved - fault fixed.", "seller")]


def test_a_message_without_status_still_merges_updates(pending):
    entry = UpdateEntry("Note from the supplier", "seller", timezone.now())
    fault = apply(pending, None, minutes=1, updates=[entry])

    assert fault.status == FaultStatus.PENDING
    assert fault.updates.count() == 1


def test_supplier_rejection_keeps_its_reason(pending):
    fault = apply(pending, "rejected", minutes=1, reason="Service ID not valid")

    assert fault.status == FaultStatus.REJECTED
    assert fault.status_reason == "Service ID not valid"
    assert fault.rejected_at is not None


def test_resolved_sets_the_48_hour_deadline_and_reopen_clears_it(pending):
    apply(pending, "accepted", minutes=1)
    fault = apply(pending, "resolved", minutes=60)
    assert fault.auto_close_due_at == fault.resolved_at + timedelta(hours=48)

    fault = apply(pending, "re-opened", minutes=70)
    assert fault.status == FaultStatus.REOPENED
    assert fault.auto_close_due_at is None


def test_hold_opens_a_pause_with_its_reason_and_start_closes_it(pending):
    apply(pending, "accepted", minutes=1)
    apply(pending, "on-hold", minutes=10, reason="No access to site")
    fault = apply(pending, "in-progress", minutes=40)

    (pause,) = SlaPause.objects.filter(fault=fault)
    assert pause.reason == "No access to site"
    assert pause.ended_at - pause.started_at == timedelta(minutes=30)
    assert fault.sla_paused_seconds == 30 * 60


def test_every_supplier_change_names_the_message_on_the_audit_trail(pending):
    fault = apply(pending, "in-progress", minutes=5, message="CF-00042")

    after_submit = fault.events.filter(at__gt=fault.submitted_at)
    actors = {(e.actor_kind, e.actor_ref) for e in after_submit}
    assert actors == {("partner", "CF-00042")}


def test_supplier_path_works_for_a_fault_built_with_helpers(partner, buyer_identifier):
    fault = bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "re-opened")
    assert fault.status == FaultStatus.REOPENED


def test_a_sent_time_in_the_future_is_taken_as_now_and_flagged(pending):
    future = timezone.now() + timedelta(days=30)
    fault = fault_apply_supplier_status(
        fault_id=pending.pk, status="accepted", actor=Actor.partner("F-1"), sent_at=future
    )
    fault = fault_apply_supplier_status(
        fault_id=pending.pk,
        status="in-progress",
        actor=Actor.partner("F-2"),
        sent_at=timezone.now(),
    )

    assert fault.status == FaultStatus.IN_PROGRESS
    assert fault.supplier_status_sent_at < future
    assert "in the future" in events(fault, EventKind.ANOMALY)[0].message


def test_a_supplier_clock_behind_ours_does_not_make_its_first_status_stale(pending):
    # We submitted at our time; the supplier's acceptance says it was sent a little earlier.
    fault = fault_apply_supplier_status(
        fault_id=pending.pk,
        status="accepted",
        actor=Actor.partner("S-1"),
        sent_at=pending.submitted_at - timedelta(seconds=2),
    )
    assert fault.status == FaultStatus.ACCEPTED


def expect(fault, hour, *, minutes, message="MSG"):
    """A notification sent `minutes` after submission whose only news is the supplier's
    expected resolution time, `hour` o'clock tomorrow."""
    when = (fault.submitted_at + timedelta(days=1)).replace(hour=hour, minute=0, second=0)
    report = SupplierReport(
        sent_at=fault.submitted_at + timedelta(minutes=minutes), expected_resolution_at=when
    )
    fault_apply_supplier_report(fault_id=fault.pk, report=report, actor=Actor.partner(message))
    fault.refresh_from_db()
    return when


def test_the_expected_resolution_time_is_kept_and_audited_as_supplier_data(pending):
    first = expect(pending, 16, minutes=5, message="M1")
    assert pending.supplier_expected_resolution_at == first
    (row,) = events(pending, EventKind.SUPPLIER_DATA)
    assert row.actor_ref == "M1"
    assert row.message == f"Expected resolution from the supplier: {first:%Y-%m-%d %H:%M} UTC"
    assert row.data == {"supplier_expected_resolution_at": [None, first.isoformat()]}

    later = expect(pending, 18, minutes=10, message="M2")
    assert pending.supplier_expected_resolution_at == later
    assert events(pending, EventKind.SUPPLIER_DATA)[-1].message.endswith(
        f"(was {first:%Y-%m-%d %H:%M} UTC)"
    )


def test_the_same_expected_resolution_time_again_is_not_audited_again(pending):
    expect(pending, 16, minutes=5)
    expect(pending, 16, minutes=10)
    assert len(events(pending, EventKind.SUPPLIER_DATA)) == 1


def test_an_older_message_does_not_replace_a_newer_expected_resolution_time(pending):
    newer = expect(pending, 16, minutes=10)
    expect(pending, 9, minutes=5)  # sent before, arrived after
    assert pending.supplier_expected_resolution_at == newer
    assert len(events(pending, EventKind.SUPPLIER_DATA)) == 1


def test_a_message_without_an_expected_resolution_time_keeps_the_one_the_fault_has(pending):
    kept = expect(pending, 16, minutes=5)
    apply(pending, "accepted", minutes=10)
    pending.refresh_from_db()
    assert pending.supplier_expected_resolution_at == kept
