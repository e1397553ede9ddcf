"""Open ticket exceptions where an agent works: the queue's first section, most urgent rule
first, and the exceptions page where an agent solves one with a reason (a manager reads it)."""

import html
from datetime import timedelta

import pytest
from django.utils import timezone

from faults.choices import EventKind, FaultStatus, SlaState
from faults.exceptions.models import CallToAction, TicketException
from faults.exceptions.services import exceptions_sweep
from faults.exceptions.shifts import shift_at, shift_label
from faults.models import FaultEvent
from tests.factories import FaultFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def raised():
    """A silent supplier (P2) raised before an SLA breach (P1) on another fault."""
    now = timezone.now()
    silent = FaultFactory(
        status=FaultStatus.IN_PROGRESS, last_supplier_message_at=now - timedelta(hours=30)
    )
    exceptions_sweep(now=now - timedelta(hours=1))
    breached = FaultFactory(
        status=FaultStatus.IN_PROGRESS,
        last_supplier_message_at=now,
        sla_state=SlaState.BREACHED,
        sla_due_at=now - timedelta(hours=2),
    )
    exceptions_sweep(now=now)
    return silent, breached


def test_the_queue_lists_open_exceptions_first_and_the_most_urgent_first(agent_client, raised):
    silent, breached = raised
    page = agent_client.get("/queue/").content.decode()

    section = page.split('id="queue-exceptions"', 1)[1].split("</article>", 1)[0]
    assert "Exceptions to act on" in section
    assert section.index(breached.buyer_fault_reference) < section.index(
        silent.buyer_fault_reference
    )
    assert "SLA breached by" in section and "No update from" in section
    # Each with the call to action of the shift on now.
    shift = shift_at(timezone.now())
    breach_call = CallToAction.objects.get(rule__type_name="SLA_BREACHED").text_for(shift)
    assert f"Call to action ({shift_label(shift)})" in section
    assert html.escape(breach_call) in section
    assert page.index('id="queue-exceptions"') < page.index('id="queue-rejected"')


def test_an_agent_solves_one_with_a_reason(agent_client, raised):
    silent, _ = raised
    exception = TicketException.objects.get(fault=silent)

    refused = agent_client.post(f"/exceptions/{exception.pk}/solve/", {"reason": ""})
    assert refused.status_code == 400
    assert "This field is required" in refused.content.decode()
    exception.refresh_from_db()
    assert exception.solved_at is None

    solved = agent_client.post(
        f"/exceptions/{exception.pk}/solve/", {"reason": "Supplier called: parts on order"}
    )
    assert solved.status_code == 302
    exception.refresh_from_db()
    assert exception.solved_reason == "Supplier called: parts on order"
    page = agent_client.get("/exceptions/").content.decode()
    assert f"Solved on {silent.buyer_fault_reference}" in page
    assert silent.buyer_fault_reference not in page.split("</hgroup>", 1)[1].split("Solved on")[0]
    assert FaultEvent.objects.filter(
        fault=silent, kind=EventKind.EXCEPTION, actor_kind="user"
    ).exists()


def test_a_manager_reads_the_exceptions_but_cannot_solve_them(manager_client, raised):
    _, breached = raised
    exception = TicketException.objects.get(fault=breached)

    page = manager_client.get("/exceptions/").content.decode()
    assert breached.buyer_fault_reference in page
    assert "Solve exception" not in page
    answer = manager_client.post(f"/exceptions/{exception.pk}/solve/", {"reason": "no"})
    assert answer.status_code == 403
    exception.refresh_from_db()
    assert exception.solved_at is None


def test_solving_an_unknown_exception_is_a_404(agent_client):
    assert agent_client.post("/exceptions/999999/solve/", {"reason": "x"}).status_code == 404
