"""A burst of one fault's messages is applied with the fault read once and only its changed
columns written (`faults.services.held`, issue 17); a message that fails in the middle of the
burst leaves nothing of itself behind, in the row or in what the next messages see."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from faults.choices import EventKind, FaultStatus
from faults.models import FaultEvent
from integrations.choices import InboundStatus
from integrations.inbox import Received, inbox_apply, inbox_store
from integrations.models import InboundMessage
from tests.factories import FaultFactory
from tests.helpers import bring_to
from tests.partner_posts import notification

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SUBMITTED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
POISON = "CS-POISON"


@pytest.fixture
def pending(partner, buyer_identifier, sla_policy):
    fault = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)
    return bring_to(fault, "pending", start=SUBMITTED)


@pytest.fixture
def poisoned_reference():
    """The database refuses to store the maintainer reference POISON on a fault (a real
    failure, raised by PostgreSQL as the row is written)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse_poison() RETURNS trigger AS $$ BEGIN "
            f"IF NEW.maintainer_fault_reference = '{POISON}' THEN "
            "RAISE EXCEPTION 'the poisoned reference'; END IF; RETURN NEW; END $$ "
            "LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER test_refuse_poison BEFORE UPDATE ON faults_fault "
            "FOR EACH ROW EXECUTE FUNCTION test_refuse_poison()"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_refuse_poison ON faults_fault")
        cursor.execute("DROP FUNCTION test_refuse_poison()")


def store(fault, message_id: str, status: str, minute: int, maintainer: str) -> int:
    body = notification(
        fault.buyer_fault_reference,
        message_id=message_id,
        status=status,
        maintainer_reference=maintainer,
        sent_at=SUBMITTED + timedelta(hours=1, minutes=minute),
    ).replace(b">SPDEV1<", f">{fault.buyer_identifier.code}<".encode())
    received = Received(
        partner=fault.supplier,
        message_type="notifyFaultReportUpdate",
        message_id=message_id,
        body=body,
        buyer_fault_reference=fault.buyer_fault_reference,
        buyer_identifier=fault.buyer_identifier.code,
    )
    return inbox_store(received).inbound_id


def test_a_message_failing_mid_burst_leaves_nothing_to_the_next_ones(pending, poisoned_reference):
    """The second message moves the fault on in memory (in-progress, the poisoned reference),
    then fails as the row is written; the third, applied in the same transaction, starts from
    the row as the first left it: its move to in-progress is applied and audited, and the
    poisoned reference is nowhere."""
    first = store(pending, "CF-1", "accepted", 5, "CS0000042")
    failing = store(pending, "CF-2", "in-progress", 6, POISON)
    third = store(pending, "CF-3", "in-progress", 7, "CS0000043")

    assert inbox_apply(inbound_id=first) == InboundStatus.APPLIED  # the three, in one call

    pending.refresh_from_db()
    assert pending.status == FaultStatus.IN_PROGRESS
    assert pending.maintainer_fault_reference == "CS0000043"
    moves = FaultEvent.objects.filter(fault=pending, kind=EventKind.STATUS, at__gt=SUBMITTED)
    assert [(e.from_status, e.to_status, e.at.minute) for e in moves.order_by("at", "id")] == [
        (FaultStatus.PENDING, FaultStatus.ACCEPTED, 5),
        (FaultStatus.ACCEPTED, FaultStatus.IN_PROGRESS, 7),
    ]
    references = FaultEvent.objects.filter(
        fault=pending, kind=EventKind.SUPPLIER_DATA, data__has_key="maintainer_fault_reference"
    ).order_by("at", "id")
    assert [e.data["maintainer_fault_reference"] for e in references] == [
        ["", "CS0000042"],
        ["CS0000042", "CS0000043"],
    ]
    statuses = dict(InboundMessage.objects.values_list("pk", "status"))
    assert statuses == {
        first: InboundStatus.APPLIED,
        failing: InboundStatus.RECEIVED,
        third: InboundStatus.APPLIED,
    }
    assert "the poisoned reference" in InboundMessage.objects.get(pk=failing).last_error


def test_a_burst_is_applied_in_full_with_each_change_written(pending):
    """Fifteen messages of one fault in one call: each status step, reference and update entry
    is in the row and on the timeline, as if each had been applied on its own."""
    steps = ["accepted", "in-progress", "on-hold", "in-progress", "resolved"]
    ids = [store(pending, f"CF-{n}", steps[min(n // 3, 4)], n + 1, f"CS{n:07d}") for n in range(15)]

    assert inbox_apply(inbound_id=ids[0]) == InboundStatus.APPLIED

    pending.refresh_from_db()
    assert (pending.status, pending.maintainer_fault_reference) == (
        FaultStatus.RESOLVED,
        "CS0000014",
    )
    assert pending.last_supplier_message_at == SUBMITTED + timedelta(hours=1, minutes=15)
    moves = FaultEvent.objects.filter(fault=pending, kind=EventKind.STATUS, at__gt=SUBMITTED)
    assert [e.to_status for e in moves.order_by("at", "id")] == [
        FaultStatus.ACCEPTED,
        FaultStatus.IN_PROGRESS,
        FaultStatus.ON_HOLD,
        FaultStatus.IN_PROGRESS,
        FaultStatus.RESOLVED,
    ]
    assert pending.resolved_at == SUBMITTED + timedelta(hours=1, minutes=13)
    assert pending.sla_pauses.filter(ended_at__isnull=False).count() == 1
    assert set(InboundMessage.objects.values_list("status", flat=True)) == {InboundStatus.APPLIED}
