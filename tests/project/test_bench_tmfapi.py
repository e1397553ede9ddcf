"""A smoke test of the TMF621 API benchmark at a tiny size: the generator makes a share of the
faults tickets raised through the API, with the history statusChange is read from, the timed
filters find real rows, and the command prints its figures and ratios."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from faults.choices import EventKind
from faults.models import Fault, FaultEvent
from integrations.tmf621_api.models import TicketAttributes

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

LABELS = (
    "in progress, one severity, 30 days, page 2",
    "one ticket type, 7 days, page 1",
    "newest page, no filter",
)


def test_the_command_grows_the_tickets_and_prints_the_timings():
    out = io.StringIO()

    call_command("bench_tmfapi", sizes="300,900", runs=1, warmups=0, stdout=out)

    text = out.getvalue()
    assert Fault.objects.count() == 900
    tickets = TicketAttributes.objects.count()
    assert 400 <= tickets <= 500  # one fault in two
    assert set(TicketAttributes.objects.values_list("severity", flat=True)) == {
        "minor",
        "moderate",
        "significant",
        "extensive",
    }
    closed = TicketAttributes.objects.filter(fault__status="closed").first().fault
    trail = list(
        FaultEvent.objects.filter(fault=closed).values_list("kind", "from_status", "to_status")
    )
    assert trail[0] == (EventKind.CREATED, "", "draft")
    assert trail[-1] == (EventKind.STATUS, "resolved", "closed")
    # Every timed list found tickets at the larger size (its X-Total-Count), in the printed lines.
    at_900 = text.split("900 faults generated")[1]
    for label in LABELS:
        count = re.search(re.escape(label) + r" .*X-Total-Count (\d+)", at_900)
        assert count and int(count.group(1)) > 0, label
    assert "one ticket, fields=id,status,statusChange" in at_900
    assert "ratio 900 / 300 faults, newest page, no filter: x" in text
    assert "Queries at 900 faults (EXPLAIN ANALYZE)" in text


def test_the_command_refuses_a_table_already_larger_than_its_first_size():
    call_command(
        "bench_tmfapi", sizes="300", runs=1, warmups=0, no_explain=True, stdout=io.StringIO()
    )

    with pytest.raises(CommandError, match="database of its own"):
        call_command("bench_tmfapi", sizes="100,300", runs=1, stdout=io.StringIO())
