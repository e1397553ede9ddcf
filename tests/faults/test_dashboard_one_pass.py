"""The dashboard's time to repair in one pass on PostgreSQL (GROUPING SETS) gives the figures
the per-aggregate queries give (which SQLite uses), and the dashboard's queries run without
PostgreSQL's JIT, which cost a year's figures more than it saved."""

import pytest
from django.db import connection

from faults.models import Fault
from faults.reports import dashboard as report
from faults.reports.filters import DashboardFilters
from faults.reports.planner import without_jit
from tests.faults.test_reports import figures, last_28_days, other_partner  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def repair_figures(add, filters: DashboardFilters) -> dict:
    rows = report._Rows()
    total = report.DashboardRow(supplier_id=None, priority=None)
    resolved = report.resolved_in_period(filters)
    add(rows, total, resolved)
    return {
        key: (r.resolved, r.repair_seconds, r.hold_seconds, r.repair, r.repair_with_hold)
        for key, r in [*rows.items(), ("all", total)]
    }


def test_one_pass_gives_the_per_aggregate_figures(figures):  # noqa: F811
    filters = last_28_days()

    one_pass = repair_figures(report._add_repair_in_one_pass, filters)
    per_aggregate = repair_figures(report._add_repair_per_aggregate, filters)

    assert one_pass == per_aggregate
    assert one_pass["all"][0] == 4 and one_pass["all"][2] > 0  # resolved, some on hold


def jit_setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        return cursor.fetchone()[0]


def test_the_dashboard_queries_run_without_jit_and_the_connection_keeps_it():
    before = jit_setting()
    with without_jit(Fault.objects.db):
        inside = jit_setting()

    assert inside == "off"
    assert jit_setting() == before


def test_a_fault_outside_every_supplier_and_priority_row_still_counts(figures):  # noqa: F811
    # A priority the validators refuse (written past them): no row of the index ranges the
    # dashboard reads per supplier and priority holds it; the rows are then grouped as usual.
    filters = last_28_days()
    fault = report.resolved_in_period(filters).first()
    Fault.objects.filter(pk=fault.pk).update(priority=9)

    one_pass = repair_figures(report._add_repair_in_one_pass, filters)
    per_aggregate = repair_figures(report._add_repair_per_aggregate, filters)

    assert one_pass == per_aggregate
    assert one_pass[(fault.supplier_id, 9)][0] == 1
