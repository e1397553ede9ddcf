"""Issue 17: several real Celery worker processes compete over the same faults' notifications
(the tasks the webhook queued, and one more per message, as the sweep queues them), on the real
PostgreSQL: each notification is applied exactly once, and each fault's in the order they
arrived."""

from datetime import timedelta

import pytest
from django.utils import timezone

from devtools.bench.apply import check_applied, install_apply_log, remove_apply_log
from faults.choices import EventKind, FaultStatus
from faults.models import Fault, FaultEvent
from integrations.choices import InboundStatus
from integrations.inbox import inbox_sweep
from integrations.models import BuyerIdentifier, InboundMessage
from tests.e2e.conftest import notification
from tests.e2e.processes import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

STEPS = ("accepted", "in-progress", "on-hold", "in-progress", "resolved")


@pytest.fixture
def apply_log(transactional_db):
    """Every UPDATE marking a message applied is logged by a trigger (devtools/bench/apply.py)."""
    install_apply_log()
    yield
    remove_apply_log()


def test_workers_competing_over_the_same_faults_apply_each_message_once_and_in_order(
    e2e_partner, notify, start_worker, apply_log
):
    buyer = BuyerIdentifier.objects.get(partner=e2e_partner, code="SPDEV1")
    faults = [
        Fault.objects.create(
            buyer_fault_reference=f"COMPETE-{n:02d}",
            supplier=e2e_partner,
            buyer_identifier=buyer,
            service_id=f"S-COMPETE-{n}",
            fault_type="Impaired Service",
            status=FaultStatus.PENDING,
            submitted_at=timezone.now() - timedelta(hours=1),
        )
        for n in range(6)
    ]
    since = timezone.now()
    number = 0
    for step, status in enumerate(STEPS):  # each fault's messages spread through the burst
        for fault in faults:
            sent = since + timedelta(seconds=step, milliseconds=number)
            notify(notification(fault.buyer_fault_reference, status, sent, f"CF-{number}"))
            number += 1
    ids = list(InboundMessage.objects.order_by("id").values_list("id", flat=True))
    assert len(ids) == 30
    # One more task per message, as the sweep queues them: the workers pick up several tasks
    # of one fault at once.
    assert inbox_sweep(older_than=timedelta(0)) == 30

    start_worker()
    start_worker()  # two workers of two pool processes each, on the same database and Redis

    wait_for(
        lambda: not InboundMessage.objects.exclude(status=InboundStatus.APPLIED).exists(),
        timeout=90,
        what="every notification applied",
    )
    check = check_applied(ids, since=since)
    assert check.ok, check.summary()
    assert check.applied_once == 30
    for fault in faults:
        fault.refresh_from_db()
        assert fault.status == FaultStatus.RESOLVED
        moves = list(
            FaultEvent.objects.filter(fault=fault, kind=EventKind.STATUS)
            .order_by("id")
            .values_list("to_status", flat=True)
        )
        assert moves == list(STEPS)
        assert fault.updates.count() == len(STEPS)
