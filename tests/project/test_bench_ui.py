"""A smoke test of the UI benchmark at a tiny size: the SQL generator fills faults that the
dashboard can read, and the command prints its table."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from devtools.bench.generate import FAULTS_PER_DAY
from faults.choices import FaultStatus
from faults.models import Fault
from faults.reports.dashboard import sla_dashboard
from faults.reports.filters import DashboardFilters, default_period

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_the_command_grows_the_table_and_prints_the_timings():
    out = io.StringIO()

    call_command("bench_ui", sizes="300,900", runs=1, warmups=0, stdout=out)

    text = out.getvalue()
    assert Fault.objects.count() == 900
    assert "growth 300 -> 900 faults, dashboard" in text
    assert "Dashboard queries over 28 days at this size (EXPLAIN ANALYZE)" in text
    # The list opened through a saved view (filter, sort, columns), with its verdict.
    assert re.search(
        r"fault list through a saved view .*: 900 faults [\d.]+ ms vs 300 faults [\d.]+ ms: "
        r"x[\d.]+ \((PASS|FAIL), goal 3x\)",
        text,
    )
    # The queue filtered to the bench agent's own faults, with its verdict.
    assert re.search(
        r"queue filtered to mine \(60 faults owned\): 900 faults [\d.]+ ms vs 300 faults "
        r"[\d.]+ ms: x[\d.]+ \((PASS|FAIL), goal 3x\)",
        text,
    )
    assert Fault.objects.filter(owner__username="bench-agent").count() > 0
    # A constant rate back in time: 900 faults span about three days.
    oldest = Fault.objects.order_by("created_at").first().created_at
    newest = Fault.objects.order_by("-created_at").first().created_at
    assert 2.5 < (newest - oldest).total_seconds() / 86400 < 900 / FAULTS_PER_DAY + 0.1
    statuses = set(Fault.objects.values_list("status", flat=True))
    assert {FaultStatus.CLOSED, FaultStatus.IN_PROGRESS, FaultStatus.ON_HOLD} <= statuses
    closed = Fault.objects.filter(status=FaultStatus.CLOSED).first()
    assert closed.resolved_at and closed.closed_at and closed.sla_elapsed_seconds > 0
    date_from, date_to = default_period()
    dashboard = sla_dashboard(DashboardFilters(date_from=date_from, date_to=date_to))
    assert dashboard.total.resolved > 0 and dashboard.total.open_total > 0
    assert dashboard.total.repair.median is not None


def test_the_command_refuses_bad_sizes():
    with pytest.raises(CommandError, match="numbers separated by commas"):
        call_command("bench_ui", sizes="ten", stdout=io.StringIO())
