"""Two workers applying transitions to one fault at the same moment end in the same state as
applying them one after the other (design §4). Needs real row locks: PostgreSQL."""

import threading
from collections.abc import Callable
from datetime import timedelta
from functools import partial

import pytest
from django.db import connection
from django.utils import timezone

from faults.choices import EventKind, FaultStatus
from faults.errors import TransitionNotAllowed
from faults.models import Fault, FaultEvent
from faults.services import (
    Actor,
    UpdateEntry,
    fault_accept_resolution,
    fault_apply_supplier_status,
    faults_auto_close_due,
)
from tests.factories import FaultFactory
from tests.helpers import bring_to

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROUNDS = 10


def run_together(*calls: Callable[[], object]) -> list[object]:
    """Run each call in its own thread (own DB connection), released at the same instant."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def supplier(fault_id: int, status: str, sent_at, message: str, updates=()):
    return lambda: fault_apply_supplier_status(
        fault_id=fault_id,
        status=status,
        actor=Actor.partner(message),
        sent_at=sent_at,
        updates=updates,
    )


@pytest.fixture
def make_fault(partner, buyer_identifier, sla_policy):
    def make(status: str) -> Fault:
        fault = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)
        return bring_to(fault, status, start=timezone.now() - timedelta(hours=3))

    return make


def test_two_notifications_at_once_end_as_if_applied_one_after_the_other(make_fault):
    for _ in range(ROUNDS):
        fault = make_fault("accepted")
        t_hold = fault.accepted_at + timedelta(minutes=5)
        t_start = fault.accepted_at + timedelta(minutes=10)
        hold_note = UpdateEntry("Waiting for access", "seller", t_hold)
        start_note = UpdateEntry("Engineer on site", "seller", t_start)

        results = run_together(
            supplier(fault.pk, "on-hold", t_hold, "M-HOLD", [hold_note]),
            supplier(fault.pk, "in-progress", t_start, "M-START", [start_note]),
        )

        assert not [r for r in results if isinstance(r, Exception)], results
        fault.refresh_from_db()
        # hold then start: in-progress; start then hold (older): in-progress, hold ignored.
        assert fault.status == FaultStatus.IN_PROGRESS
        assert fault.supplier_status_sent_at == t_start
        assert fault.updates.count() == 2  # both messages' updates, neither lost
        open_pauses = fault.sla_pauses.filter(ended_at__isnull=True).count()
        assert open_pauses == 0


def test_two_agents_accepting_one_resolution_close_it_once(make_fault, agent_user):
    for _ in range(ROUNDS):
        fault = make_fault("resolved")
        actor = Actor.for_user(agent_user)

        accept = partial(fault_accept_resolution, fault_id=fault.pk, actor=actor)
        results = run_together(accept, accept)

        refused = [r for r in results if isinstance(r, TransitionNotAllowed)]
        assert len(refused) == 1, results
        fault.refresh_from_db()
        assert fault.status == FaultStatus.CLOSED
        calls = FaultEvent.objects.filter(fault=fault, kind=EventKind.PARTNER_CALL)
        assert calls.filter(data__operation="resolution-answer").count() == 1


def test_the_timer_and_an_agent_racing_for_a_resolved_fault_close_it_once(make_fault, agent_user):
    for _ in range(ROUNDS):
        fault = make_fault("resolved")
        after_deadline = fault.auto_close_due_at + timedelta(minutes=1)

        results = run_together(
            partial(fault_accept_resolution, fault_id=fault.pk, actor=Actor.for_user(agent_user)),
            partial(faults_auto_close_due, now=after_deadline),
        )

        fault.refresh_from_db()
        assert fault.status == FaultStatus.CLOSED
        closes = FaultEvent.objects.filter(fault=fault, kind=EventKind.STATUS, to_status="closed")
        assert closes.count() == 1, results
        auto = FaultEvent.objects.filter(fault=fault, kind=EventKind.AUTO_ACCEPTED).count()
        answered = not isinstance(results[0], Exception)
        assert auto == (0 if answered else 1)
