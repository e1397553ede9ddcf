"""A resolved fault's time to repair kept on its row by PostgreSQL's triggers
(faults.reports.repair_times) is what the dashboard computed per fault before
(faults.reports.durations): after holds, a reopen and a second resolution, a close, pauses the
supplier stamped outside the span, and whoever writes the row. The dashboard reads it and gives
the figures it computed per fault (the per-aggregate path, which SQLite still uses)."""

import importlib
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from faults.models import Fault, SlaPause
from faults.reports import dashboard as report
from faults.reports.durations import hold_seconds, repair_seconds
from faults.services import Actor, fault_apply_supplier_status
from tests.factories import FaultFactory
from tests.faults.test_dashboard_one_pass import repair_figures
from tests.faults.test_reports import last_28_days, other_partner  # noqa: F401 (fixture)
from tests.helpers import bring_to

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

H = 3600
SUPPLIER = Actor.partner("TEST-REPAIR")


def play(fault: Fault, steps: list[tuple[float, str]], *, raised: datetime) -> Fault:
    """Supplier statuses at `hours` after `raised`, through the services."""
    for hours, status in steps:
        fault_apply_supplier_status(
            fault_id=fault.pk,
            status=status,
            actor=SUPPLIER,
            sent_at=raised + timedelta(hours=hours),
        )
    fault.refresh_from_db()
    assert fault.status == steps[-1][1]
    return fault


def submitted(partner, priority: int = 2) -> tuple[Fault, datetime]:
    raised = timezone.now() - timedelta(days=3)
    fault = bring_to(FaultFactory(supplier=partner, priority=priority), "accepted", start=raised)
    return fault, raised


def stored(fault: Fault) -> tuple[float | None, float | None]:
    return tuple(
        Fault.objects.filter(pk=fault.pk).values_list("repair_seconds", "repair_hold_seconds")[0]
    )


def computed(fault: Fault) -> tuple[float, float]:
    """The durations the dashboard computed per fault before (faults.reports.durations)."""
    return tuple(
        Fault.objects.filter(pk=fault.pk)
        .annotate(repair=repair_seconds(), hold=hold_seconds())
        .values_list("repair", "hold")[0]
    )


def resolved_after_two_holds(partner) -> Fault:
    """Raised, then on hold 2 h, worked, on hold 1 h 30, resolved at 10 h."""
    fault, raised = submitted(partner)
    return play(
        fault,
        [(1, "in-progress"), (2, "on-hold"), (4, "in-progress"), (6, "on-hold"), (7.5, "resolved")],
        raised=raised,
    )


def test_a_resolution_after_holds_stores_what_the_dashboard_computed(partner, sla_policy):
    fault = resolved_after_two_holds(partner)

    # bring_to's accepted came a minute after the submit: raised is the submit.
    assert stored(fault) == computed(fault)
    assert stored(fault) == (pytest.approx(7.5 * H), pytest.approx(3.5 * H))


def test_a_fault_resolved_from_on_hold_counts_the_hold_until_the_resolution(partner, sla_policy):
    fault, raised = submitted(partner)
    fault = play(fault, [(1, "in-progress"), (2, "on-hold"), (5, "resolved")], raised=raised)

    assert stored(fault) == computed(fault) == (5 * H, 3 * H)


def test_a_reopened_fault_drops_out_and_its_next_resolution_is_stored(partner, sla_policy):
    fault = resolved_after_two_holds(partner)
    raised = fault.submitted_at

    fault = play(fault, [(8, "re-opened")], raised=raised)
    assert stored(fault) == (None, None)
    assert report.resolved_in_period(last_28_days()).count() == 0
    assert sla_dashboard_total(last_28_days()).resolved == 0

    fault = play(
        fault,
        [(9, "in-progress"), (10, "on-hold"), (11, "in-progress"), (12, "resolved")],
        raised=raised,
    )
    # Raised to the second resolution, with all three holds.
    assert stored(fault) == computed(fault) == (12 * H, 4.5 * H)
    assert sla_dashboard_total(last_28_days()).resolved == 1


def test_a_close_keeps_the_figures_of_the_resolution(partner, sla_policy):
    fault = resolved_after_two_holds(partner)
    before = stored(fault)

    fault = play(fault, [(30, "closed")], raised=fault.submitted_at)

    assert fault.closed_at is not None
    assert stored(fault) == before == computed(fault)


def test_pauses_changed_after_the_resolution_are_counted_again(partner, sla_policy):
    """As faults.reports.durations cuts them: one the supplier stamped before the raise counts
    from the raise, one still open or ended after the resolution runs to the resolution."""
    fault, raised = submitted(partner)
    fault = play(fault, [(1, "in-progress"), (5, "resolved")], raised=raised)
    assert stored(fault) == computed(fault) == (5 * H, 0)

    before_raise = SlaPause.objects.create(
        fault=fault, started_at=raised - timedelta(hours=1), ended_at=raised + timedelta(hours=1)
    )
    assert stored(fault) == computed(fault) == (5 * H, H)

    SlaPause.objects.create(fault=fault, started_at=raised + timedelta(hours=4))  # still open
    assert stored(fault) == computed(fault) == (5 * H, 2 * H)

    before_raise.ended_at = raised + timedelta(hours=2)
    before_raise.save()
    assert stored(fault) == computed(fault) == (5 * H, 3 * H)

    before_raise.delete()
    assert stored(fault) == computed(fault) == (5 * H, H)


def test_the_row_is_the_truth_whoever_writes_it(partner, sla_policy):
    fault = resolved_after_two_holds(partner)
    expected = stored(fault)

    # A stale instance saved whole, and a data fix of the raise time by an update.
    fault.repair_seconds, fault.repair_hold_seconds = 1.0, None
    fault.save()
    assert stored(fault) == expected
    Fault.objects.filter(pk=fault.pk).update(submitted_at=fault.submitted_at - timedelta(hours=1))
    assert stored(fault) == computed(fault) == (pytest.approx(8.5 * H), pytest.approx(3.5 * H))

    # Without a submitted time it counts from the acceptance; without either, as before.
    Fault.objects.filter(pk=fault.pk).update(submitted_at=None)
    assert stored(fault) == computed(fault)
    Fault.objects.filter(pk=fault.pk).update(accepted_at=None)
    assert stored(fault) == computed(fault)

    # A fault not resolved has none, even when written with some.
    open_fault, _ = submitted(partner)
    Fault.objects.filter(pk=open_fault.pk).update(repair_seconds=5.0, repair_hold_seconds=1.0)
    assert stored(open_fault) == (None, None)


def test_supplier_notes_on_a_resolved_fault_keep_its_figures(partner, sla_policy):
    """A resolved fault's later notifications write only what they change (the inbox's held
    fault, faults.services.held), which lists none of the figures' inputs: the trigger does not
    run (migration 0024) and the figures stay, as they do when an input is written again."""
    fault = resolved_after_two_holds(partner)
    expected = stored(fault)
    raised = fault.submitted_at

    play(fault, [(8, "resolved"), (9, "resolved")], raised=raised)
    Fault.objects.filter(pk=fault.pk).update(status_reason="Noted", updated_at=timezone.now())
    assert stored(fault) == expected
    Fault.objects.filter(pk=fault.pk).update(resolved_at=fault.resolved_at)
    assert stored(fault) == expected == computed(fault)


def test_the_dashboard_reads_the_figures_it_computed_per_fault(partner, other_partner, sla_policy):  # noqa: F811
    """The one-pass query over the stored figures against the per-fault computation (SQLite's
    path), over faults moved through holds, a reopen, a close and two suppliers."""
    resolved_after_two_holds(partner)
    closed = resolved_after_two_holds(partner)
    play(closed, [(20, "closed")], raised=closed.submitted_at)
    reopened = resolved_after_two_holds(partner)
    play(reopened, [(8, "re-opened")], raised=reopened.submitted_at)
    fault, raised = submitted(other_partner, priority=3)
    play(fault, [(1, "in-progress"), (2, "on-hold"), (3.25, "resolved")], raised=raised)
    SlaPause.objects.create(fault=fault, started_at=raised - timedelta(minutes=7))

    filters = last_28_days()
    one_pass = repair_figures(report._add_repair_in_one_pass, filters)
    per_fault = repair_figures(report._add_repair_per_aggregate, filters)

    assert one_pass == per_fault
    assert one_pass["all"][0] == 3


def test_the_migration_fills_the_faults_resolved_before_it(partner, sla_policy):
    resolved_after_two_holds(partner)
    closed = resolved_after_two_holds(partner)
    play(closed, [(20, "closed")], raised=closed.submitted_at)
    expected = figures_by_fault()
    migration = importlib.import_module("faults.migrations.0023_fault_repair_seconds")
    with connection.cursor() as cursor:
        # As before the migration: no figures stored (the FK checks done, for the ALTER).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE faults_fault DISABLE TRIGGER faults_fault_repair_times")
        cursor.execute("UPDATE faults_fault SET repair_seconds = NULL, repair_hold_seconds = NULL")
        cursor.execute("ALTER TABLE faults_fault ENABLE TRIGGER faults_fault_repair_times")
        cursor.execute(migration.BACKFILL_SQL)

    assert figures_by_fault() == expected
    assert len([f for f in expected.values() if f != (None, None)]) == 2
    for fault in Fault.objects.all():
        assert stored(fault) == computed(fault)


def figures_by_fault() -> dict[int, tuple]:
    rows = Fault.objects.values_list("pk", "repair_seconds", "repair_hold_seconds")
    return {pk: (repair, hold) for pk, repair, hold in rows}


def sla_dashboard_total(filters):
    return report.sla_dashboard(filters).total
