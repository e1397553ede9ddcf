"""The queue's "Exceptions to act on" reads its first rows one rule at a time (a few rows off an
index each, so the section costs the same with a hundred or a hundred thousand open): the rows
and their order must be exactly those of the whole list, the most urgent call to action first,
then the oldest; solved exceptions never shown."""

from datetime import timedelta

import pytest
from django.utils import timezone

from faults.choices import FaultStatus
from faults.exceptions.models import CallToAction, TicketException, TicketExceptionRule
from faults.worklists import open_exceptions, open_exceptions_first
from tests.factories import FaultFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_open():
    """Exceptions of every shipped rule, of several ages: two rules share the first priority,
    one has the second, the others share the third, one has no call to action (it comes last);
    solved ones in between."""
    now = timezone.now()
    rules = list(TicketExceptionRule.objects.order_by("type_id"))
    CallToAction.objects.update(priority=3)
    CallToAction.objects.filter(rule__type_name__in=("SLA_AT_RISK", "NO_SUPPLIER_UPDATE")).update(
        priority=1
    )
    CallToAction.objects.filter(rule__type_name="SLA_BREACHED").update(priority=2)
    CallToAction.objects.filter(rule__type_name="DELIVERY_DEAD").delete()
    faults = [FaultFactory(status=FaultStatus.IN_PROGRESS) for _ in range(6)]
    for n, rule in enumerate(rules):
        for m, fault in enumerate(faults):
            exception = TicketException.objects.create(
                fault=fault,
                rule=rule,
                subject=f"{rule.type_name} {m}",
                raised_at=now - timedelta(minutes=(n * 7 + m * 13) % 50),
            )
            if (n + m) % 4 == 0:
                TicketException.objects.filter(pk=exception.pk).update(solved_at=now)
    return rules


@pytest.mark.parametrize("limit", [1, 3, 10, 25, 1000])
def test_the_first_rows_are_those_of_the_whole_list_in_its_order(many_open, limit):
    whole = list(open_exceptions())

    first = open_exceptions_first(limit)

    assert [e.pk for e in first] == [e.pk for e in whole[:limit]]
    assert all(e.solved_at is None for e in first)


def test_most_urgent_first_then_oldest_and_a_rule_without_a_call_to_action_last(many_open):
    rows = open_exceptions_first(1000)

    keys = [
        (
            e.rule.call_to_action.priority if hasattr(e.rule, "call_to_action") else 99,
            e.raised_at,
            e.pk,
        )
        for e in rows
    ]
    assert keys == sorted(keys)
    assert rows[-1].rule.type_name == "DELIVERY_DEAD"
    assert {rows[0].rule.type_name, rows[1].rule.type_name} <= {"SLA_AT_RISK", "NO_SUPPLIER_UPDATE"}


def test_the_section_reads_no_more_rules_than_it_needs(many_open, django_assert_max_num_queries):
    # The two priority-1 rules hold more than 3 open exceptions: no other rule is read.
    with django_assert_max_num_queries(3):
        rows = open_exceptions_first(3)

    assert {e.rule.type_name for e in rows} <= {"SLA_AT_RISK", "NO_SUPPLIER_UPDATE"}
