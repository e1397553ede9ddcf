"""The exception sweep with a clock the test moves: each shipped rule raises its exception when
its condition has held long enough and not before, solves it when the condition clears, never
keeps two open for one fault and rule (also with two sweeps at once on PostgreSQL), writes each
change on the fault's timeline, and gives way to an agent who solved one by hand."""

import queue
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction

from faults.choices import EventKind, FaultStatus, SlaState
from faults.errors import FaultValidationError
from faults.exceptions.models import TicketException, TicketExceptionRule
from faults.exceptions.services import exception_solve, exceptions_sweep
from faults.models import FaultEvent, SlaPause
from faults.services import Actor, fault_accept_resolution
from tests.factories import FaultFactory

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday

pytestmark = pytest.mark.django_db


def rule(type_name: str) -> TicketExceptionRule:
    return TicketExceptionRule.objects.get(type_name=type_name)


def open_exceptions(fault, type_name: str | None = None):
    rows = TicketException.objects.filter(fault=fault, solved_at__isnull=True)
    return rows.filter(rule__type_name=type_name) if type_name else rows


def timeline(fault) -> list[str]:
    return list(
        FaultEvent.objects.filter(fault=fault, kind=EventKind.EXCEPTION)
        .order_by("id")
        .values_list("message", flat=True)
    )


def test_the_shipped_rules_are_there_and_active():
    shipped = dict(TicketExceptionRule.objects.values_list("type_name", "is_active"))
    assert shipped == {
        "SLA_BREACHED": True,
        "SLA_AT_RISK": True,
        "NO_SUPPLIER_UPDATE": True,
        "RESOLVED_AWAITING_ANSWER": True,
        "ON_HOLD_TOO_LONG": True,
        "REJECTED_NOT_ACTIONED": True,
        "PARTNER_TICKET_PURGED": True,
        "DELIVERY_DEAD": True,
        "APPOINTMENT_MISSED_BY_SUPPLIER": True,
        "ETA_MISSING": True,
        "LATE_REPAIR_MISMATCH": True,
    }


def test_a_shipped_rule_missing_from_the_table_is_put_back_by_the_sweep_as_shipped():
    TicketExceptionRule.objects.filter(type_name="SLA_AT_RISK").delete()
    TicketExceptionRule.objects.filter(type_name="NO_SUPPLIER_UPDATE").update(threshold_hours=3)

    exceptions_sweep(now=T0)

    assert rule("SLA_AT_RISK").is_active
    assert rule("NO_SUPPLIER_UPDATE").threshold_hours == 3  # what an admin set is kept


def test_a_silent_supplier_raises_after_the_threshold_and_a_word_from_it_solves():
    fault = FaultFactory(
        status=FaultStatus.IN_PROGRESS,
        submitted_at=T0 - timedelta(hours=30),
        last_supplier_message_at=T0,
    )

    exceptions_sweep(now=T0 + timedelta(hours=23, minutes=59))
    assert not open_exceptions(fault).exists()

    exceptions_sweep(now=T0 + timedelta(hours=24))
    (raised,) = open_exceptions(fault, "NO_SUPPLIER_UPDATE")
    assert raised.subject == f"No update from {fault.supplier.name} for more than 24 hours"
    assert "2026-11-24 10:00 UTC" in raised.comment
    assert raised.raised_at == T0 + timedelta(hours=24)

    # A second sweep while it still holds changes nothing.
    assert exceptions_sweep(now=T0 + timedelta(hours=25)).raised == 0
    assert open_exceptions(fault).count() == 1

    fault.last_supplier_message_at = T0 + timedelta(hours=26)
    fault.save(update_fields=["last_supplier_message_at"])
    result = exceptions_sweep(now=T0 + timedelta(hours=26, minutes=5))

    assert result.solved == 1
    raised.refresh_from_db()
    assert raised.solved_automatically
    assert raised.solved_at == T0 + timedelta(hours=26, minutes=5)
    assert timeline(fault) == [
        f"Exception raised: {raised.subject}. {raised.comment}",
        f"Exception solved (its condition no longer holds): {raised.subject}.",
    ]


def test_a_threshold_an_admin_tunes_is_the_one_used():
    fault = FaultFactory(status=FaultStatus.ACCEPTED, last_supplier_message_at=T0)
    TicketExceptionRule.objects.filter(type_name="NO_SUPPLIER_UPDATE").update(threshold_hours=2)

    exceptions_sweep(now=T0 + timedelta(hours=2))

    (raised,) = open_exceptions(fault, "NO_SUPPLIER_UPDATE")
    assert "more than 2 hours" in raised.subject


def test_on_hold_and_resolved_faults_are_not_silent_suppliers():
    waiting_on_us = [
        FaultFactory(status=status, last_supplier_message_at=T0 - timedelta(days=5))
        for status in (FaultStatus.ON_HOLD, FaultStatus.RESOLVED, FaultStatus.CLOSED)
    ]
    exceptions_sweep(now=T0)
    assert not TicketException.objects.filter(
        fault__in=waiting_on_us, rule__type_name="NO_SUPPLIER_UPDATE"
    ).exists()


@pytest.mark.parametrize(
    ("state", "type_name"),
    [(SlaState.AT_RISK, "SLA_AT_RISK"), (SlaState.BREACHED, "SLA_BREACHED")],
)
def test_the_sla_rules_follow_the_sla_state(state, type_name):
    fault = FaultFactory(
        status=FaultStatus.IN_PROGRESS,
        last_supplier_message_at=T0,
        sla_state=state,
        sla_due_at=T0 + timedelta(hours=1),
    )
    exceptions_sweep(now=T0)
    (raised,) = open_exceptions(fault, type_name)
    assert "2026-11-24 11:00 UTC" in raised.comment

    fault.sla_state = SlaState.MET
    fault.save(update_fields=["sla_state"])
    exceptions_sweep(now=T0 + timedelta(minutes=5))
    assert not open_exceptions(fault).exists()


def test_on_hold_too_long_counts_from_the_open_pause():
    fault = FaultFactory(
        status=FaultStatus.ON_HOLD,
        status_reason="Need site access hours",
        last_supplier_message_at=T0,
    )
    SlaPause.objects.create(fault=fault, started_at=T0)

    exceptions_sweep(now=T0 + timedelta(hours=47))
    assert not open_exceptions(fault).exists()
    exceptions_sweep(now=T0 + timedelta(hours=48))
    (raised,) = open_exceptions(fault, "ON_HOLD_TOO_LONG")
    assert "Need site access hours" in raised.comment


def test_a_resolution_about_to_close_itself_is_raised_then_solved_by_our_answer(agent_user):
    fault = FaultFactory(
        status=FaultStatus.RESOLVED,
        resolved_at=T0,
        auto_close_due_at=T0 + timedelta(hours=48),
    )
    exceptions_sweep(now=T0 + timedelta(hours=35, minutes=59))
    assert not open_exceptions(fault).exists()
    exceptions_sweep(now=T0 + timedelta(hours=36))
    assert open_exceptions(fault, "RESOLVED_AWAITING_ANSWER").exists()

    fault_accept_resolution(fault_id=fault.pk, actor=Actor.for_user(agent_user))
    exceptions_sweep(now=T0 + timedelta(hours=37))
    assert not open_exceptions(fault).exists()


def test_a_rejection_nobody_acted_on_is_raised_and_an_agents_comment_solves_it(agent_user):
    fault = FaultFactory(status=FaultStatus.REJECTED, rejected_at=T0, status_reason="Bad UPRN")

    exceptions_sweep(now=T0 + timedelta(hours=3))
    assert not open_exceptions(fault).exists()
    exceptions_sweep(now=T0 + timedelta(hours=4))
    (raised,) = open_exceptions(fault, "REJECTED_NOT_ACTIONED")
    assert "Bad UPRN" in raised.comment

    FaultEvent.objects.create(
        fault=fault,
        kind=EventKind.COMMENT,
        at=T0 + timedelta(hours=5),
        actor_kind="user",
        actor_user=agent_user,
        message="Corrected the UPRN; raising again",
    )
    exceptions_sweep(now=T0 + timedelta(hours=6))
    assert not open_exceptions(fault).exists()


def test_a_rule_switched_off_solves_its_open_exceptions_and_raises_no_more():
    fault = FaultFactory(status=FaultStatus.IN_PROGRESS, last_supplier_message_at=T0)
    exceptions_sweep(now=T0 + timedelta(days=2))
    assert open_exceptions(fault, "NO_SUPPLIER_UPDATE").exists()

    TicketExceptionRule.objects.filter(type_name="NO_SUPPLIER_UPDATE").update(is_active=False)
    exceptions_sweep(now=T0 + timedelta(days=3))

    assert not open_exceptions(fault).exists()
    solved = TicketException.objects.get(fault=fault)
    assert solved.solved_reason == "the rule is switched off"


def test_two_open_exceptions_for_one_fault_and_rule_are_refused_by_the_database():
    fault = FaultFactory(status=FaultStatus.IN_PROGRESS)
    no_update = rule("NO_SUPPLIER_UPDATE")
    TicketException.objects.create(fault=fault, rule=no_update, subject="a", raised_at=T0)

    with pytest.raises(IntegrityError), transaction.atomic():
        TicketException.objects.create(fault=fault, rule=no_update, subject="b", raised_at=T0)
    # A solved one does not count.
    TicketException.objects.filter(fault=fault).update(solved_at=T0)
    TicketException.objects.create(fault=fault, rule=no_update, subject="c", raised_at=T0)


def test_an_agent_solves_one_with_a_reason_and_the_sweep_leaves_it_for_the_threshold(
    agent_user,
):
    fault = FaultFactory(status=FaultStatus.IN_PROGRESS, last_supplier_message_at=T0)
    exceptions_sweep(now=T0 + timedelta(hours=24))
    (raised,) = open_exceptions(fault)

    with pytest.raises(FaultValidationError):
        exception_solve(exception_id=raised.pk, actor=Actor.for_user(agent_user), reason="  ")
    solved = exception_solve(
        exception_id=raised.pk,
        actor=Actor.for_user(agent_user),
        reason="Supplier phoned: engineer on site at 14:00",
    )
    assert (solved.solved_by, solved.solved_automatically) == (agent_user, False)
    assert timeline(fault)[-1] == (
        f"Exception solved: {raised.subject}. Supplier phoned: engineer on site at 14:00"
    )
    with pytest.raises(FaultValidationError):
        exception_solve(exception_id=raised.pk, actor=Actor.for_user(agent_user), reason="again")

    # Still silent, but an agent dealt with it: not raised again within the rule's 24 hours.
    solved_at = solved.solved_at
    exceptions_sweep(now=solved_at + timedelta(hours=23))
    assert not open_exceptions(fault).exists()
    exceptions_sweep(now=solved_at + timedelta(hours=24, minutes=1))
    assert open_exceptions(fault).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_two_sweeps_at_once_raise_one_exception_and_audit_it_once():
    """Two sweeps on two connections, interleaved at the worst moment: the first has raised the
    exceptions and not committed yet when the second, which could not see them, inserts the same
    ones. PostgreSQL makes the second wait on the partial unique index (the test sees it blocked
    by the first), then skip every row; the second audits nothing, since it inserted nothing."""
    faults = [
        FaultFactory(status=FaultStatus.IN_PROGRESS, last_supplier_message_at=T0) for _ in range(20)
    ]
    first_now, second_now = T0 + timedelta(hours=30), T0 + timedelta(hours=30, microseconds=1)
    first_raised, second_pid = threading.Event(), queue.Queue()
    seen_waiting: list[bool] = []
    errors: list[BaseException] = []

    def first_sweep() -> None:
        try:
            with transaction.atomic():
                exceptions_sweep(now=first_now)
                first_raised.set()
                pid = second_pid.get(timeout=30)
                seen_waiting.append(_waits_on_me(pid))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            first_raised.set()
        finally:
            connections.close_all()

    def second_sweep() -> None:
        try:
            first_raised.wait(timeout=30)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                second_pid.put(cursor.fetchone()[0])
            exceptions_sweep(now=second_now)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first_sweep), threading.Thread(target=second_sweep)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert seen_waiting == [True]
    for fault in faults:
        raised = open_exceptions(fault, "NO_SUPPLIER_UPDATE").get()
        assert raised.raised_at == first_now
        assert len([t for t in timeline(fault) if t.startswith("Exception raised")]) == 1


def _waits_on_me(pid: int, *, seconds: float = 20) -> bool:
    """Whether the backend `pid` comes to wait on a lock this connection's transaction holds."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_backend_pid() = ANY(pg_blocking_pids(%s))", [pid])
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def test_the_fault_page_shows_the_exception_on_its_timeline(agent_client):
    fault = FaultFactory(status=FaultStatus.IN_PROGRESS, last_supplier_message_at=T0)
    exceptions_sweep(now=T0 + timedelta(hours=24))

    page = agent_client.get(f"/faults/{fault.buyer_fault_reference}/").content.decode()

    assert "Exception raised: No update from" in page
