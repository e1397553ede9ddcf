"""A smoke test of the exception sweep's benchmark at a tiny size: the generator's open faults
make every rule the bench knows hold on some of them (and the healthy ones on none), the sweep
raises once and then finds nothing changed in a constant number of queries, and the command
prints its per-rule table, its verdicts and the queue's figures after growing the table."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from devtools.bench.exceptions_data import KINDS, PREFIX
from faults.exceptions.models import TicketException, TicketExceptionRule
from faults.exceptions.rules import evaluator_for
from faults.models import Fault

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_the_command_sweeps_the_mix_and_prints_the_figures():
    out = io.StringIO()

    call_command("bench_exceptions", sizes="100,200", queue_size=600, runs=1, warmups=0, stdout=out)

    text = out.getvalue()
    assert Fault.objects.filter(buyer_fault_reference__startswith=PREFIX).count() == 200
    assert Fault.objects.count() == 600
    # Every rule a kind is meant for holds on that kind's share of the 200 open faults.
    for kind in KINDS:
        for type_name in kind.rules:
            if evaluator_for(type_name) is None:
                continue
            rule = TicketExceptionRule.objects.get(type_name=type_name)
            line = re.search(rf"^{type_name} +[\d.]+(\*?) +([\d,]+) ", text, re.M)
            assert line, type_name
            assert line.group(1) == "*", f"{type_name} did not hold on its one fault"
            assert int(line.group(2)) >= kind.percent * 2, type_name
            assert TicketException.objects.filter(rule=rule).exists()
    healthy = Fault.objects.filter(buyer_fault_reference=f"{PREFIX}100").get()  # 100*37 % 100 = 0
    assert not TicketException.objects.filter(fault=healthy).exists()
    # The second sweep found nothing changed, in the same queries at both sizes.
    second = re.findall(r"second sweep +[\d.]+ s \(0 raised, 0 solved, (\d+) queries\)", text)
    assert len(second) == 2 and second[0] == second[1]
    assert re.search(r"whole second sweep: .* ratio [\d.]+ \((PASS|FAIL) against 2x\)", text)
    assert "Scaling (per-fault cost at the largest size / at the smallest)" in text
    assert "Each rule's sweep at 200 open faults (EXPLAIN ANALYZE)" in text
    assert re.search(r"^ +600 +[\d,]+ +[\d.]+ +[\d.]+ +\d+$", text, re.M)  # the queue at 600
    assert "growth 200 -> 600 faults: queue page x" in text


def test_the_command_refuses_a_database_that_already_has_faults():
    call_command(
        "bench_exceptions",
        sizes="10",
        queue_size=0,
        runs=1,
        warmups=0,
        no_explain=True,
        stdout=io.StringIO(),
    )

    with pytest.raises(CommandError, match="database of its own"):
        call_command("bench_exceptions", sizes="10", queue_size=0, stdout=io.StringIO())
