"""The dashboard's weekly trends from the per-day counts PostgreSQL keeps (faults.reports.daily)
are the figures the faults themselves give, and so is its time to repair read in one pass with
the pauses joined: on generated history (the bench's generator, ~40 days at 300 faults a day,
SLA pauses added, some cut by the fault's span or still open), over a period that crosses the
clock change of 25 October 2026, for every supplier and priority filter, after faults are
changed, re-opened and deleted in every way the product writes them, and after the counts are
compacted. Where the counts cannot serve (a request in another time zone) the dashboard counts
the faults and its figures are the same."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from devtools.bench.generate import generate_faults
from devtools.bench.ui import ensure_partners
from faults.choices import FaultStatus, SlaState
from faults.models import DailyFaultCount, Fault, SlaPause
from faults.reports import daily
from faults.reports import dashboard as report
from faults.reports.dashboard import sla_dashboard
from faults.reports.filters import DashboardFilters
from faults.reports.trends import weekly_trends
from faults.suppliers import supplier_model
from faults.tasks import compact_daily_fault_counts

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

NOW = datetime(2026, 11, 8, 12, 0, tzinfo=UTC)
# Crosses the end of British Summer Time (01:00 UTC on Sunday 25 October 2026).
PERIOD = (date(2026, 10, 1), date(2026, 11, 8))
CLOCK_CHANGE_WEEK = (date(2026, 10, 19), date(2026, 10, 25))


@pytest.fixture
def history(db):
    """~40 days of bench faults with SLA pauses, and faults whose milestones sit either side of
    a local midnight around the clock change."""
    partners = ensure_partners()
    generate_faults(first=1, last=12_000, partners=partners, now=NOW)
    with connection.cursor() as cursor:
        # A pause on one resolved fault in five: within the span, one starting before the fault
        # was raised, one running past its resolution, and (one in 25) still open.
        cursor.execute(
            f"""
            INSERT INTO {SlaPause._meta.db_table} (fault_id, started_at, ended_at, reason)
            SELECT id,
                   coalesce(submitted_at, accepted_at) + CASE WHEN mod(id, 3) = 0
                     THEN interval '-1 hour' ELSE interval '20 minutes' END,
                   CASE WHEN mod(id, 25) = 0 THEN NULL
                        WHEN mod(id, 3) = 1 THEN resolved_at + interval '2 hours'
                        ELSE coalesce(submitted_at, accepted_at) + interval '90 minutes' END,
                   ''
            FROM {Fault._meta.db_table}
            WHERE resolved_at IS NOT NULL AND mod(id, 5) = 0
            """
        )
    edge = list(Fault.objects.filter(status=FaultStatus.CLOSED).order_by("id")[:4])
    # 23:30 UTC on the 24th is 00:30 BST on the 25th; 23:30 UTC on the 25th is 23:30 GMT.
    for fault, moment in zip(
        edge,
        ("2026-10-24T23:30:00Z", "2026-10-25T00:30:00Z", "2026-10-25T23:30:00Z",
         "2026-10-18T23:30:00Z"),
        strict=True,
    ):  # fmt: skip
        at = datetime.fromisoformat(moment)
        Fault.objects.filter(pk=fault.pk).update(
            submitted_at=at, resolved_at=at, sla_due_at=at, sla_state=SlaState.MISSED
        )
    return [supplier_model().objects.get(pk=p) for p, _ in partners]


def filter_sets(suppliers) -> list[DashboardFilters]:
    periods = [PERIOD, CLOCK_CHANGE_WEEK, (date(2026, 10, 25), date(2026, 10, 25))]
    found = []
    for first, last in periods:
        found += [
            DashboardFilters(date_from=first, date_to=last),
            DashboardFilters(date_from=first, date_to=last, supplier=suppliers[0]),
            DashboardFilters(date_from=first, date_to=last, priority=3),
            DashboardFilters(date_from=first, date_to=last, supplier=suppliers[1], priority=2),
        ]
    return found


def trends(filters: DashboardFilters, *, from_counts: bool) -> list[tuple]:
    faults = report._faults(filters)
    counts = daily.weekly_counts(filters) if from_counts else None
    if from_counts:
        assert counts is not None
    weeks = weekly_trends(
        faults, filters, resolved=report.resolved_in_period(filters), counts=counts
    )
    return [(w.week_start, w.raised, w.resolved, w.breached) for w in weeks]


def assert_counts_are_the_live_figures(suppliers) -> None:
    for filters in filter_sets(suppliers):
        assert trends(filters, from_counts=True) == trends(filters, from_counts=False), filters


def test_weekly_counts_are_the_faults_own_across_the_clock_change_and_every_filter(history):
    assert_counts_are_the_live_figures(history)
    whole = trends(DashboardFilters(date_from=PERIOD[0], date_to=PERIOD[1]), from_counts=True)
    assert sum(w[1] for w in whole) > 10_000 and sum(w[2] for w in whole) > 8_000
    assert sum(w[3] for w in whole) > 0
    # The fault resolved at 00:30 BST on the 25th counts on Sunday 25th, in the week of the 19th.
    sunday = DashboardFilters(date_from=date(2026, 10, 25), date_to=date(2026, 10, 25))
    assert trends(sunday, from_counts=True)[0][2] >= 3


def test_counts_follow_every_way_a_fault_is_written(history):
    open_faults = Fault.objects.filter(status=FaultStatus.IN_PROGRESS)
    resolved = list(Fault.objects.filter(status=FaultStatus.RESOLVED).order_by("id")[:30])
    # A bulk UPDATE: re-opened faults leave the resolved counts.
    Fault.objects.filter(pk__in=[f.pk for f in resolved[:10]]).update(status=FaultStatus.REOPENED)
    # save() of one fault: breached now, resolved on another day, moved to another supplier.
    fault = open_faults.order_by("id").first()
    fault.sla_state = SlaState.BREACHED
    fault.sla_due_at = NOW - timedelta(days=3)
    fault.save()
    moved = resolved[10]
    moved.resolved_at = moved.resolved_at - timedelta(days=9)
    moved.supplier_id = history[2].pk
    moved.save()
    # Deleted faults (with their pauses) take their part away.
    Fault.objects.filter(pk__in=[f.pk for f in resolved[20:30]]).delete()
    # A fault created through the ORM counts at once.
    Fault.objects.create(
        buyer_fault_reference="NEW-1",
        service_id="SVC-NEW",
        supplier_id=history[0].pk,
        buyer_identifier_id=resolved[0].buyer_identifier_id,
        priority=3,
        status=FaultStatus.CLOSED,
        submitted_at=NOW - timedelta(days=2),
        resolved_at=NOW - timedelta(days=1),
    )
    assert_counts_are_the_live_figures(history)

    rows_before = DailyFaultCount.objects.count()
    left = compact_daily_fault_counts()

    assert left < rows_before
    assert DailyFaultCount.objects.count() == left
    assert not DailyFaultCount.objects.filter(n=0).exists()
    assert_counts_are_the_live_figures(history)


def repair_figures(add, filters: DashboardFilters) -> list[float]:
    found, total = report._Rows(), report.DashboardRow(supplier_id=None, priority=None)
    add(found, total, report.resolved_in_period(filters))
    figures: list[float | None] = []
    for _, r in [*sorted(found.items()), ((0, 0), total)]:
        figures += [r.resolved, r.repair_seconds, r.hold_seconds]
        figures += [r.repair.mean, r.repair.median, r.repair.p90]
        figures += [r.repair_with_hold.mean, r.repair_with_hold.median, r.repair_with_hold.p90]
    return [-1.0 if f is None else f for f in figures]  # None: nothing resolved


def test_time_to_repair_in_one_pass_is_the_per_fault_computation_with_pauses(history):
    for filters in filter_sets(history):
        one_pass = repair_figures(report._add_repair_in_one_pass, filters)
        per_aggregate = repair_figures(report._add_repair_per_aggregate, filters)
        # The same faults, pauses and percentiles; sums may add up in another order.
        assert one_pass == pytest.approx(per_aggregate, rel=1e-12), filters
    dashboard = sla_dashboard(DashboardFilters(date_from=PERIOD[0], date_to=PERIOD[1]))
    assert dashboard.total.hold_seconds > 0
    assert dashboard.total.repair.median < dashboard.total.repair_with_hold.median


def test_in_another_time_zone_the_dashboard_counts_the_faults_with_the_same_figures(history):
    filters = DashboardFilters(date_from=PERIOD[0], date_to=PERIOD[1], supplier=history[0])
    expected = [
        (w.week_start, w.raised, w.resolved, w.breached) for w in sla_dashboard(filters).trends
    ]

    with timezone.override("America/New_York"):
        assert daily.weekly_counts(filters) is None
    with timezone.override("Europe/London"):
        again = sla_dashboard(filters).trends

    assert [(w.week_start, w.raised, w.resolved, w.breached) for w in again] == expected


def test_the_migrated_trigger_function_is_the_one_the_module_installs(db):
    """The migrations freeze the function's SQL; faults.reports.daily makes it again after a
    change of TIME_ZONE. A change to one without the other would count differently on a fresh
    database than after `install()`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = %s", [daily.FUNCTION])
        [(installed,)] = cursor.fetchall()
    module_body = daily.install_sql()[0].split("$body$")[1]
    assert installed.split() == module_body.split()


def test_an_update_that_moves_no_counted_column_counts_nothing(history):
    counts_before = sorted(DailyFaultCount.objects.values_list("kind", "day", "supplier_id", "n"))
    Fault.objects.filter(status=FaultStatus.RESOLVED).update(
        status_reason="Noted by the supplier", updated_at=NOW
    )
    counts_after = sorted(DailyFaultCount.objects.values_list("kind", "day", "supplier_id", "n"))
    assert counts_after == counts_before
    assert_counts_are_the_live_figures(history)
