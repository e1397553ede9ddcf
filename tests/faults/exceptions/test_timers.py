"""A fault's pending timers (the seed's pending triggers): what the product will do for it and
when, read from the rows the beat sweeps act on, filtered by message type; and fireNow, which does
at once what the sweep would do at the due time, writes who fired it on the fault's timeline,
refuses a name that is not a pending timer, and exists only where diagnostics are switched on."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from faults.choices import EventKind, FaultStatus, SlaState
from faults.errors import FaultNotFound
from faults.exceptions.models import TicketException
from faults.exceptions.services import exception_solve, exceptions_sweep
from faults.exceptions.timers import (
    DiagnosticsDisabled,
    TimerNotFound,
    fire_now,
    pending_timers,
    registered_message_types,
)
from faults.models import Fault, FaultEvent
from integrations.choices import Environment, OutboundStatus
from integrations.models import OutboundMessage
from integrations.tep.models import ReceiveMode, TepConnection
from tests.factories import BuyerIdentifierFactory, FaultFactory, PartnerFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def diagnostics_on(settings):
    settings.EXCEPTIONS_DIAGNOSTICS_ENABLED = True


@pytest.fixture
def tester(agent):
    """Whoever fires a timer: an agent here (the API's caller)."""
    return agent


def listed(reference: str, contains: str = "", now: datetime = T0) -> list[tuple[str, datetime]]:
    return [
        (timer.trigger_name, timer.due_at)
        for timer in pending_timers(reference, message_type_contains=contains, now=now)
    ]


def resolved(partner, buyer_identifier, due: datetime) -> Fault:
    return FaultFactory(
        supplier=partner,
        buyer_identifier=buyer_identifier,
        status=FaultStatus.RESOLVED,
        resolved_at=due - timedelta(hours=48),
        auto_close_due_at=due,
        last_supplier_message_at=due - timedelta(hours=48),
    )


def running_sla(partner, buyer_identifier, sla_policy) -> Fault:
    """In progress under an 8-hour policy (at risk at 80 %), one hour of it gone at T0."""
    return FaultFactory(
        supplier=partner,
        buyer_identifier=buyer_identifier,
        status=FaultStatus.IN_PROGRESS,
        maintainer_fault_reference="SUP-1",
        submitted_at=T0 - timedelta(hours=1),
        accepted_at=T0 - timedelta(hours=1),
        last_supplier_message_at=T0,
        sla_policy=sla_policy,
        sla_state=SlaState.RUNNING,
        sla_elapsed_seconds=3600,
        sla_computed_at=T0,
        sla_due_at=T0 + timedelta(hours=7),
    )


def polling_tep_fault(last_poll: datetime) -> Fault:
    supplier = PartnerFactory(
        slug="tep-poller", protocol="tep", environment=Environment.INTEGRATION
    )
    TepConnection.objects.create(
        partner=supplier,
        our_partner_id=101,
        their_partner_id=202,
        conversation_role_id=7,
        receive_mode=ReceiveMode.POLLING,
        last_ticket_poll_at=last_poll,
    )
    return FaultFactory(
        supplier=supplier,
        buyer_identifier=BuyerIdentifierFactory(partner=supplier),
        status=FaultStatus.IN_PROGRESS,
        accepted_at=T0,
        last_supplier_message_at=T0,
    )


def test_every_app_contributes_its_timers():
    assert registered_message_types() == [
        "AutoClose",
        "ExceptionRecheck",
        "ExceptionSweep",
        "OutboundDelivery",
        "PartnerPoll",
        "Reconcile",
        "SlaAtRisk",
        "SlaBreach",
    ]


def test_a_resolved_fault_lists_its_auto_close_deadline(partner, buyer_identifier):
    fault = resolved(partner, buyer_identifier, due=T0 + timedelta(hours=30))
    ref = fault.buyer_fault_reference

    assert listed(ref, "autoclose") == [(f"AutoClose:{ref}", T0 + timedelta(hours=30))]
    # No exception sweep has run under beat here: the next one is due at once.
    assert (f"ExceptionSweep:{ref}", T0) in listed(ref)


def test_a_running_sla_lists_its_at_risk_and_breach_times(partner, buyer_identifier, sla_policy):
    fault = running_sla(partner, buyer_identifier, sla_policy)
    ref = fault.buyer_fault_reference

    # 80 % of 8 h is 6 h 24 min of clock; 1 h was gone at T0, so 5 h 24 min later.
    assert listed(ref, "Sla") == [
        (f"SlaAtRisk:{ref}", T0 + timedelta(hours=5, minutes=24)),
        (f"SlaBreach:{ref}", T0 + timedelta(hours=7)),
    ]
    # The supplier (CityFibre, which can be asked) owes news: the reconciliation request is due
    # after the partner's quiet period (6 h), counted from its last word.
    assert listed(ref, "reconcile") == [(f"Reconcile:{ref}", T0 + timedelta(hours=6))]


def test_a_paused_or_breached_clock_lists_no_sla_timer(partner, buyer_identifier, sla_policy):
    fault = running_sla(partner, buyer_identifier, sla_policy)
    Fault.objects.filter(pk=fault.pk).update(sla_state=SlaState.PAUSED)
    assert listed(fault.buyer_fault_reference, "sla") == []
    Fault.objects.filter(pk=fault.pk).update(sla_state=SlaState.AT_RISK)
    assert [name for name, _ in listed(fault.buyer_fault_reference, "sla")] == [
        f"SlaBreach:{fault.buyer_fault_reference}"
    ]


def test_a_polling_suppliers_next_poll_is_its_last_plus_its_limit():
    fault = polling_tep_fault(last_poll=T0)
    ref = fault.buyer_fault_reference

    assert listed(ref, "poll") == [(f"PartnerPoll:{ref}", T0 + timedelta(seconds=61))]


def test_the_filter_is_a_case_blind_contains_and_the_list_is_soonest_first(
    partner, buyer_identifier, sla_policy
):
    fault = running_sla(partner, buyer_identifier, sla_policy)
    ref = fault.buyer_fault_reference

    everything = listed(ref)
    assert [due for _, due in everything] == sorted(due for _, due in everything)
    assert {name.split(":")[0] for name, _ in everything} == {
        "ExceptionSweep",
        "Reconcile",
        "SlaAtRisk",
        "SlaBreach",
    }
    assert [name for name, _ in listed(ref, "BREACH")] == [f"SlaBreach:{ref}"]
    assert listed(ref, "nothing-like-it") == []


def test_an_unknown_reference_is_not_found():
    with pytest.raises(FaultNotFound):
        pending_timers("NO-SUCH-FAULT")


def test_fire_now_closes_a_resolved_fault_at_once_as_the_sweep_would(
    partner, buyer_identifier, tester, agent_user
):
    fault = resolved(partner, buyer_identifier, due=T0 + timedelta(hours=30))
    ref = fault.buyer_fault_reference

    fired = fire_now(f"AutoClose:{ref}", actor=tester, now=T0)

    fault.refresh_from_db()
    assert fault.status == FaultStatus.CLOSED
    assert fault.closed_at == T0
    assert "closed as auto-accepted" in fired.outcome
    auto = FaultEvent.objects.get(fault=fault, kind=EventKind.AUTO_ACCEPTED)
    assert auto.actor_ref == "auto-close-48h"  # the sweep's own actor did the closing
    assert auto.data["fired_early"] is True
    audit = FaultEvent.objects.get(fault=fault, data__trigger=f"AutoClose:{ref}")
    assert audit.actor_user == agent_user
    assert audit.message.startswith(f"Timer AutoClose:{ref} (due 2026-11-25 16:00:00 UTC)")
    assert listed(ref, "AutoClose") == []


def test_an_unknown_or_no_longer_pending_trigger_is_not_found_and_changes_nothing(
    partner, buyer_identifier, tester
):
    open_fault = FaultFactory(
        supplier=partner, buyer_identifier=buyer_identifier, status=FaultStatus.IN_PROGRESS
    )
    ref = open_fault.buyer_fault_reference
    events = FaultEvent.objects.count()

    for name in (
        f"AutoClose:{ref}",  # not resolved: no auto-close pending
        "AutoClose:NO-SUCH-FAULT",
        f"Teleport:{ref}",
        "AutoClose",
        "",
        f"OutboundDelivery:{ref}:999999",
    ):
        with pytest.raises(TimerNotFound):
            fire_now(name, actor=tester, now=T0)

    open_fault.refresh_from_db()
    assert open_fault.status == FaultStatus.IN_PROGRESS
    assert FaultEvent.objects.count() == events


def test_with_diagnostics_off_nothing_fires(settings, partner, buyer_identifier, tester):
    settings.EXCEPTIONS_DIAGNOSTICS_ENABLED = False
    fault = resolved(partner, buyer_identifier, due=T0 + timedelta(hours=30))

    with pytest.raises(DiagnosticsDisabled):
        fire_now(f"AutoClose:{fault.buyer_fault_reference}", actor=tester, now=T0)

    fault.refresh_from_db()
    assert fault.status == FaultStatus.RESOLVED


def test_firing_the_breach_computes_the_clock_at_that_instant_and_raises_the_exception(
    partner, buyer_identifier, sla_policy, tester
):
    fault = running_sla(partner, buyer_identifier, sla_policy)
    # The clock's own history, so that the recompute sees one hour gone at T0.
    FaultEvent.objects.create(
        fault=fault,
        kind=EventKind.STATUS,
        at=T0 - timedelta(hours=1),
        actor_kind="partner",
        to_status=FaultStatus.IN_PROGRESS,
    )

    fired = fire_now(f"SlaBreach:{fault.buyer_fault_reference}", actor=tester, now=T0)

    fault.refresh_from_db()
    assert fault.sla_state == SlaState.BREACHED
    assert fault.sla_due_at == T0 + timedelta(hours=7)
    assert "(breached)" in fired.outcome
    assert TicketException.objects.filter(
        fault=fault, rule__type_name="SLA_BREACHED", solved_at__isnull=True
    ).exists()
    assert FaultEvent.objects.filter(fault=fault, kind=EventKind.SLA).count() == 1


def test_firing_a_reconciliation_asks_the_supplier_and_its_message_becomes_a_timer(
    partner, buyer_identifier, sla_policy, tester
):
    fault = running_sla(partner, buyer_identifier, sla_policy)
    ref = fault.buyer_fault_reference

    fire_now(f"Reconcile:{ref}", actor=tester, now=T0)

    request = OutboundMessage.objects.get(fault=fault, operation="request-update")
    assert request.status == OutboundStatus.PENDING
    # A request on its way: no second one is due; the message's delivery is.
    assert listed(ref, "reconcile") == []
    assert listed(ref, "outbound") == [
        (f"OutboundDelivery:{ref}:{request.pk}", request.next_attempt_at)
    ]


def test_firing_a_delivery_sends_it_now(partner, buyer_identifier, sla_policy, tester):
    fault = running_sla(partner, buyer_identifier, sla_policy)
    ref = fault.buyer_fault_reference
    fire_now(f"Reconcile:{ref}", actor=tester, now=T0)
    request = OutboundMessage.objects.get(fault=fault, operation="request-update")
    OutboundMessage.objects.filter(pk=request.pk).update(next_attempt_at=T0 + timedelta(hours=1))

    fired = fire_now(f"OutboundDelivery:{ref}:{request.pk}", actor=tester, now=T0)

    request.refresh_from_db()
    # Nothing listens on the test partner's port 9: the attempt fails and waits for a retry.
    assert request.attempts == 1
    assert request.status == OutboundStatus.PENDING
    assert f"was sent now (attempt 1): {OutboundStatus.PENDING.label.lower()}" in fired.outcome


@pytest.mark.django_db(transaction=True)
def test_firing_a_poll_inside_the_partners_limit_calls_nothing(tester):
    fault = polling_tep_fault(last_poll=timezone.now())

    fired = fire_now(f"PartnerPoll:{fault.buyer_fault_reference}", actor=tester)

    assert not connection.in_atomic_block
    assert fired.outcome.startswith("not polled:")
    with transaction.atomic():
        assert FaultEvent.objects.filter(
            fault=fault, data__trigger=f"PartnerPoll:{fault.buyer_fault_reference}"
        ).exists()


def test_check_deploy_warns_when_diagnostics_are_on_without_debug(settings):
    from faults.exceptions.checks import diagnostics_off_in_production_check

    settings.DEBUG = False
    (warning,) = diagnostics_off_in_production_check(None)
    assert warning.id == "faults.W101"

    settings.EXCEPTIONS_DIAGNOSTICS_ENABLED = False
    assert diagnostics_off_in_production_check(None) == []


def silent_and_solved_by_hand(partner, buyer_identifier, agent) -> tuple[Fault, TicketException]:
    """Silent for 30 hours: NO_SUPPLIER_UPDATE (24 h) holds; an agent solved it just now."""
    fault = FaultFactory(
        supplier=partner,
        buyer_identifier=buyer_identifier,
        status=FaultStatus.IN_PROGRESS,
        submitted_at=timezone.now() - timedelta(hours=30),
        last_supplier_message_at=timezone.now() - timedelta(hours=30),
    )
    exceptions_sweep()
    raised = TicketException.objects.get(fault=fault, rule__type_name="NO_SUPPLIER_UPDATE")
    return fault, exception_solve(exception_id=raised.pk, actor=agent, reason="Chased by phone.")


def test_an_exception_solved_by_hand_is_rechecked_when_its_snooze_ends(
    partner, buyer_identifier, agent
):
    fault, solved = silent_and_solved_by_hand(partner, buyer_identifier, agent)
    ref = fault.buyer_fault_reference
    due = solved.solved_at + timedelta(hours=24)

    assert listed(ref, "recheck", now=solved.solved_at) == [
        (f"ExceptionRecheck:{ref}:NO_SUPPLIER_UPDATE", due)
    ]
    # The sweep agrees: not raised again a minute before, raised at the due time.
    exceptions_sweep(now=due - timedelta(minutes=1))
    assert not TicketException.objects.filter(fault=fault, solved_at__isnull=True).exists()
    exceptions_sweep(now=due)
    assert TicketException.objects.filter(fault=fault, solved_at__isnull=True).exists()
    assert listed(ref, "recheck", now=due) == []


def test_firing_a_recheck_raises_the_exception_again_now(partner, buyer_identifier, agent):
    fault, _ = silent_and_solved_by_hand(partner, buyer_identifier, agent)
    ref = fault.buyer_fault_reference

    fired = fire_now(f"ExceptionRecheck:{ref}:NO_SUPPLIER_UPDATE", actor=agent)

    assert "raised again now" in fired.outcome
    (again,) = TicketException.objects.filter(fault=fault, solved_at__isnull=True)
    assert again.rule.type_name == "NO_SUPPLIER_UPDATE"
    assert FaultEvent.objects.filter(
        fault=fault, kind=EventKind.EXCEPTION, data__exception_id=again.pk
    ).exists()
    assert listed(ref, "recheck", now=timezone.now()) == []  # open again: nothing to re-check
