"""The dashboard's independent queries run on a second connection where that is safe
(faults.reports.aside), and give the figures the same queries give one after the other."""

import threading

import pytest
from django.db import connection, connections

from faults.reports import aside
from faults.reports.dashboard import sla_dashboard
from tests.faults.test_reports import figures, last_28_days, other_partner  # noqa: F401 (fixtures)

pytestmark = pytest.mark.postgres


def helper_connection_state() -> tuple[bool, bool]:
    """(whether the helper thread's connection is open, whether it is in a transaction)."""

    def state() -> tuple[bool, bool]:
        helper = connections["default"]
        return helper.connection is not None, helper.in_atomic_block

    return aside._helper().submit(state).result()


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_aside_gives_the_figures_of_one_query_after_the_other(
    figures,  # noqa: F811
    partner,
):
    for filters in (last_28_days(), last_28_days(supplier=partner), last_28_days(priority=2)):
        assert aside.can_run_aside("default")  # committed data, no transaction open

        concurrent = sla_dashboard(filters, concurrent=True)
        sequential = sla_dashboard(filters, concurrent=False)

        assert concurrent == sequential
        assert concurrent.total.resolved > 0
    # Every figure the aside gives is there (the last two filters may leave some at 0).
    everything = sla_dashboard(last_28_days(), concurrent=True)
    assert everything.total.resolved == 4 and everything.total.rejected > 0
    assert sum(w.raised for w in everything.trends) > 0
    # The helper's connection is kept for the next report, outside any transaction.
    assert helper_connection_state()[1] is False


@pytest.mark.django_db
def test_inside_a_transaction_everything_runs_on_the_callers_connection(figures):  # noqa: F811
    # The test's transaction holds the data: a second connection would not see it.
    assert connection.in_atomic_block
    assert not aside.can_run_aside("default")
    threads_before = {t.name for t in threading.enumerate()}

    dashboard = sla_dashboard(last_28_days())

    assert dashboard.total.resolved == 4
    assert {t.name for t in threading.enumerate()} == threads_before
