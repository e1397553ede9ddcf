"""The SLA engine (pure, from status timelines) and the services that apply it to faults.

Engine tests count in hours from T0 = Mon 12 Jan 2026 09:00 GMT (= UTC); `at(h)` is T0 + h
hours. Unless a test says otherwise the target is 10 h with at-risk at 80 % (8 h).
"""

import threading
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from faults.choices import ActorKind, EventKind, FaultStatus, FaultType, SlaCalendar, SlaState
from faults.models import Fault, FaultEvent
from faults.sla import (
    AlwaysCalendar,
    BusinessHoursCalendar,
    SlaFigures,
    compute_sla_figures,
    fault_sla_recompute,
    faults_sla_sweep,
    sla_policy_for,
)
from tests.factories import FaultFactory, PartnerFactory, SlaPolicyFactory

S = FaultStatus
HOUR = 3600
T0 = datetime(2026, 1, 12, 9, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
ALWAYS = AlwaysCalendar()
OFFICE = BusinessHoursCalendar(day_start=time(8), day_end=time(18))


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def figures(timeline, now, *, target=10 * HOUR, at_risk=80, calendar=ALWAYS) -> SlaFigures:
    return compute_sla_figures(
        timeline=timeline,
        target_seconds=target,
        at_risk_percent=at_risk,
        calendar=calendar,
        now=now,
    )


# --- engine, 24x7 ----------------------------------------------------------------------------


class TestEngineAlways:
    def test_empty_timeline_is_none(self):
        assert figures([], at(5)) == SlaFigures(SlaState.NONE, 0, 0, None)

    @pytest.mark.parametrize(
        "timeline",
        [
            [(S.DRAFT, at(0))],
            [(S.DRAFT, at(0)), (S.PENDING, at(1))],
            [(S.PENDING, at(0)), (S.REJECTED, at(1))],
            [(S.PENDING, at(0)), (S.CANCELLED, at(1))],
        ],
    )
    def test_clock_never_ran_is_none(self, timeline):
        assert figures(timeline, at(50)) == SlaFigures(SlaState.NONE, 0, 0, None)

    def test_running(self):
        # accepted @1, now @3: 2 h elapsed; due = now + (10 - 2) h = @11
        timeline = [(S.PENDING, at(0)), (S.ACCEPTED, at(1))]
        assert figures(timeline, at(3)) == SlaFigures(SlaState.RUNNING, 2 * HOUR, 0, at(11))

    def test_running_at_the_moment_of_acceptance(self):
        assert figures([(S.ACCEPTED, at(0))], at(0)) == SlaFigures(SlaState.RUNNING, 0, 0, at(10))

    def test_at_risk_and_breached_flip_as_now_advances(self):
        timeline = [(S.PENDING, at(0)), (S.ACCEPTED, at(1)), (S.IN_PROGRESS, at(2))]
        # @9 less a second: 8 h - 1 s elapsed, below 80 % of 10 h
        just_before = figures(timeline, at(9) - timedelta(seconds=1))
        assert (just_before.state, just_before.elapsed_seconds) == (SlaState.RUNNING, 8 * HOUR - 1)
        # @9: 8 h elapsed = 80 %: at risk, due @11
        assert figures(timeline, at(9)) == SlaFigures(SlaState.AT_RISK, 8 * HOUR, 0, at(11))
        # @11: 10 h elapsed = target: breached, due stays the crossing instant @11
        assert figures(timeline, at(11)) == SlaFigures(SlaState.BREACHED, 10 * HOUR, 0, at(11))
        # @15: 14 h elapsed, still breached at @11
        assert figures(timeline, at(15)) == SlaFigures(SlaState.BREACHED, 14 * HOUR, 0, at(11))

    def test_several_pauses(self):
        timeline = [
            (S.ACCEPTED, at(0)),
            (S.ON_HOLD, at(2)),
            (S.IN_PROGRESS, at(5)),
            (S.ON_HOLD, at(6)),
            (S.IN_PROGRESS, at(10)),
        ]
        # now @12: running 0-2, 5-6, 10-12 = 5 h; paused 2-5, 6-10 = 7 h; due @12 + 5 h = @17
        assert figures(timeline, at(12)) == SlaFigures(SlaState.RUNNING, 5 * HOUR, 7 * HOUR, at(17))
        # now @8, in the second pause: running 0-2, 5-6 = 3 h; paused 3 h + 2 h = 5 h;
        # due projected from now: @8 + 7 h = @15
        assert figures(timeline, at(8)) == SlaFigures(SlaState.PAUSED, 3 * HOUR, 5 * HOUR, at(15))
        # now @9: the due time moves on with now while paused: @9 + 7 h = @16
        assert figures(timeline, at(9)).due_at == at(16)

    def test_paused_wins_over_at_risk(self):
        # running 0-9 = 9 h (90 %), then on hold: paused, not at risk
        timeline = [(S.ACCEPTED, at(0)), (S.ON_HOLD, at(9))]
        assert figures(timeline, at(12)) == SlaFigures(SlaState.PAUSED, 9 * HOUR, 3 * HOUR, at(13))

    def test_breached_while_paused(self):
        # running 0-11 = 11 h, crossed the 10 h target @10; on hold since @11
        timeline = [(S.ACCEPTED, at(0)), (S.ON_HOLD, at(11))]
        assert figures(timeline, at(12)) == SlaFigures(SlaState.BREACHED, 11 * HOUR, HOUR, at(10))

    def test_on_hold_straight_from_pending_starts_the_clock(self):
        # a supplier that skipped "accepted": the clock has started but not run
        timeline = [(S.PENDING, at(0)), (S.ON_HOLD, at(1))]
        assert figures(timeline, at(3)) == SlaFigures(SlaState.PAUSED, 0, 2 * HOUR, at(13))

    def test_met(self):
        # running 0-9.5 = 9.5 h; due as of the stop: @9.5 + 0.5 h = @10
        timeline = [(S.ACCEPTED, at(0)), (S.IN_PROGRESS, at(1)), (S.RESOLVED, at(9.5))]
        expected = SlaFigures(SlaState.MET, int(9.5 * HOUR), 0, at(10))
        assert figures(timeline, at(12)) == expected
        # closing later changes nothing: the clock stopped at resolved
        assert figures([*timeline, (S.CLOSED, at(30))], at(40)) == expected

    def test_met_with_pause(self):
        # running 0-4 and 6-9 = 7 h, paused 4-6 = 2 h; due at the stop: @9 + 3 h = @12
        timeline = [
            (S.ACCEPTED, at(0)),
            (S.ON_HOLD, at(4)),
            (S.IN_PROGRESS, at(6)),
            (S.RESOLVED, at(9)),
        ]
        assert figures(timeline, at(20)) == SlaFigures(SlaState.MET, 7 * HOUR, 2 * HOUR, at(12))

    def test_resolved_from_on_hold_is_met(self):
        # running 0-3 = 3 h, paused 3-5 = 2 h, stopped @5: due @5 + 7 h = @12
        timeline = [(S.ACCEPTED, at(0)), (S.ON_HOLD, at(3)), (S.RESOLVED, at(5))]
        assert figures(timeline, at(20)) == SlaFigures(SlaState.MET, 3 * HOUR, 2 * HOUR, at(12))

    def test_missed(self):
        # running 0-12 = 12 h; target crossed @10
        timeline = [(S.ACCEPTED, at(0)), (S.RESOLVED, at(12)), (S.CLOSED, at(13))]
        assert figures(timeline, at(20)) == SlaFigures(SlaState.MISSED, 12 * HOUR, 0, at(10))

    def test_missed_crossing_after_a_pause(self):
        # running 0-4 (4 h) and 6-13 (7 h) = 11 h, paused 2 h; the 10th hour is reached 6 h into
        # the second stretch: @12
        timeline = [
            (S.ACCEPTED, at(0)),
            (S.ON_HOLD, at(4)),
            (S.IN_PROGRESS, at(6)),
            (S.RESOLVED, at(13)),
        ]
        assert figures(timeline, at(20)) == SlaFigures(SlaState.MISSED, 11 * HOUR, 2 * HOUR, at(12))

    def test_reopen_resumes_the_clock(self):
        timeline = [(S.ACCEPTED, at(0)), (S.RESOLVED, at(4)), (S.REOPENED, at(20))]
        # @19, still resolved: met with 4 h; due as of the stop: @4 + 6 h = @10
        assert figures(timeline[:2], at(19)) == SlaFigures(SlaState.MET, 4 * HOUR, 0, at(10))
        # @23: running 0-4 and 20-23 = 7 h (the 16 h resolved gap does not count); due @26
        assert figures(timeline, at(23)) == SlaFigures(SlaState.RUNNING, 7 * HOUR, 0, at(26))
        # @24: 8 h = 80 %: at risk
        assert figures(timeline, at(24)).state == SlaState.AT_RISK
        # @26: 10 h: breached, crossed @26
        assert figures(timeline, at(26)) == SlaFigures(SlaState.BREACHED, 10 * HOUR, 0, at(26))
        # resolved again @27 with 11 h: missed, crossed @26
        again = [*timeline, (S.RESOLVED, at(27))]
        assert figures(again, at(40)) == SlaFigures(SlaState.MISSED, 11 * HOUR, 0, at(26))

    def test_statuses_after_now_have_not_happened(self):
        # resolved @5 is in the future of now @3: still running with 3 h
        timeline = [(S.ACCEPTED, at(0)), (S.RESOLVED, at(5))]
        assert figures(timeline, at(3)).elapsed_seconds == 3 * HOUR

    def test_cancelled_while_running_is_met_or_missed(self):
        assert figures([(S.ACCEPTED, at(0)), (S.CANCELLED, at(2))], at(5)).state == SlaState.MET
        assert figures([(S.ACCEPTED, at(0)), (S.CANCELLED, at(12))], at(15)).state == (
            SlaState.MISSED
        )


# --- engine, business hours (08:00-18:00 Europe/London) --------------------------------------


class TestEngineBusinessHours:
    accepted = [(S.PENDING, london(2026, 1, 9, 15)), (S.ACCEPTED, london(2026, 1, 9, 16))]

    def test_running_over_a_weekend(self):
        # Fri 16:00 -> Mon 10:00 = 2 h + 2 h = 4 h; due Mon 10:00 + 6 h = Mon 16:00
        assert figures(self.accepted, london(2026, 1, 12, 10), calendar=OFFICE) == SlaFigures(
            SlaState.RUNNING, 4 * HOUR, 0, london(2026, 1, 12, 16)
        )

    def test_at_risk_then_breached(self):
        # Mon 14:00: 2 h + 6 h = 8 h = 80 %; due Mon 14:00 + 2 h = Mon 16:00
        assert figures(self.accepted, london(2026, 1, 12, 14), calendar=OFFICE) == SlaFigures(
            SlaState.AT_RISK, 8 * HOUR, 0, london(2026, 1, 12, 16)
        )
        # Tue 08:00: 2 h + 10 h = 12 h; the 10 h were reached Fri 2 h + Mon 8 h = Mon 16:00
        assert figures(self.accepted, london(2026, 1, 13, 8), calendar=OFFICE) == SlaFigures(
            SlaState.BREACHED, 12 * HOUR, 0, london(2026, 1, 12, 16)
        )

    def test_nights_do_not_count(self):
        # Mon 23:00: 2 h + 10 h = 12 h, the same as at Mon 18:00 or Tue 08:00
        late = figures(self.accepted, london(2026, 1, 12, 23), calendar=OFFICE)
        assert late.elapsed_seconds == 12 * HOUR

    def test_pause_and_due_rolling_to_the_next_day(self):
        timeline = [
            *self.accepted,
            (S.ON_HOLD, london(2026, 1, 12, 9)),
            (S.IN_PROGRESS, london(2026, 1, 12, 12)),
        ]
        # Mon 13:00: running Fri 16-18 (2 h) + Mon 08-09 (1 h) + Mon 12-13 (1 h) = 4 h;
        # paused Mon 09-12 = 3 h; due Mon 13:00 + 6 h = 18:00 after 5 h, then Tue 09:00
        assert figures(timeline, london(2026, 1, 12, 13), calendar=OFFICE) == SlaFigures(
            SlaState.RUNNING, 4 * HOUR, 3 * HOUR, london(2026, 1, 13, 9)
        )

    def test_pause_over_a_weekend_counts_business_hours_only(self):
        timeline = [
            (S.ACCEPTED, london(2026, 1, 9, 10)),
            (S.ON_HOLD, london(2026, 1, 9, 12)),
            (S.IN_PROGRESS, london(2026, 1, 12, 12)),
        ]
        # Mon 15:00: running Fri 10-12 (2 h) + Mon 12-15 (3 h) = 5 h;
        # paused Fri 12-18 (6 h) + Mon 08-12 (4 h) = 10 h, not the 72 h of real time
        result = figures(timeline, london(2026, 1, 12, 15), calendar=OFFICE)
        assert (result.elapsed_seconds, result.paused_seconds) == (5 * HOUR, 10 * HOUR)
        # due Mon 15:00 + 5 h: 3 h to 18:00, then Tue 08:00 + 2 h = Tue 10:00
        assert result.due_at == london(2026, 1, 13, 10)

    def test_met(self):
        # resolved Mon 12:00: Fri 2 h + Mon 4 h = 6 h; due as of the stop: Mon 12:00 + 4 h
        timeline = [*self.accepted, (S.RESOLVED, london(2026, 1, 12, 12))]
        assert figures(timeline, london(2026, 1, 20), calendar=OFFICE) == SlaFigures(
            SlaState.MET, 6 * HOUR, 0, london(2026, 1, 12, 16)
        )

    def test_across_easter_and_the_clock_change(self):
        # accepted Fri Mar 27 16:00 GMT, 40 h target (4 days). Now Thu Apr 9 10:00 BST:
        # Fri Mar 27 2 h; Mon 30, Tue 31, Wed Apr 1, Thu Apr 2 40 h; Good Friday and Easter
        # Monday skipped; Tue 7, Wed 8 20 h; Thu Apr 9 2 h = 64 h. Crossed after Fri 2 h +
        # Mon-Wed 30 h + Thu 8 h = Thu Apr 2 16:00 BST.
        timeline = [(S.ACCEPTED, london(2026, 3, 27, 16))]
        assert figures(
            timeline, london(2026, 4, 9, 10), target=40 * HOUR, calendar=OFFICE
        ) == SlaFigures(SlaState.BREACHED, 64 * HOUR, 0, london(2026, 4, 2, 16))


# --- services (database) ---------------------------------------------------------------------


def make_fault(*, supplier, statuses=(), **fields) -> Fault:
    """A fault with one "created" event and one "status" event per (status, at), its status set
    to the last one (directly: the status field is protected and these tests are about SLA)."""
    fault = FaultFactory(supplier=supplier, **fields)
    FaultEvent.objects.create(
        fault=fault, kind=EventKind.CREATED, at=T0 - timedelta(hours=1), actor_kind="system"
    )
    previous = S.DRAFT
    for status, when in statuses:
        add_status(fault, status, when, previous=previous)
        previous = status
    return Fault.objects.get(pk=fault.pk)


def add_status(fault: Fault, status: str, when: datetime, *, previous: str = "") -> None:
    FaultEvent.objects.create(
        fault=fault,
        kind=EventKind.STATUS,
        at=when,
        actor_kind=ActorKind.PARTNER,
        from_status=previous,
        to_status=status,
    )
    Fault.objects.filter(pk=fault.pk).update(status=status)


@pytest.fixture
def supplier():
    return PartnerFactory()


@pytest.fixture
def policy(supplier):
    return SlaPolicyFactory(partner=supplier, target=timedelta(hours=10), at_risk_percent=80)


@pytest.mark.django_db
class TestPolicySpecificity:
    @pytest.fixture
    def policies(self, supplier):
        def make(fault_type, priority, hours):
            return SlaPolicyFactory(
                partner=supplier,
                fault_type=fault_type,
                priority=priority,
                target=timedelta(hours=hours),
            )

        return {
            "any/any": make("", None, 24),
            "type/any": make(FaultType.SERVICE_OUTAGE, None, 12),
            "any/p2": make("", 2, 8),
            "type/p2": make(FaultType.SERVICE_OUTAGE, 2, 4),
        }

    @pytest.mark.parametrize(
        ("fault_type", "priority", "expected"),
        [
            ("Service Outage", 2, "type/p2"),
            ("service outage ", 2, "type/p2"),  # case and spaces do not matter
            ("SERVICE OUTAGE", 3, "type/any"),
            ("Impaired Service", 2, "any/p2"),
            ("Impaired Service", 3, "any/any"),
            ("Service Outage", None, "type/any"),
        ],
    )
    def test_most_specific_wins(self, supplier, policies, fault_type, priority, expected):
        found = sla_policy_for(partner_id=supplier.pk, fault_type=fault_type, priority=priority)
        assert found == policies[expected]

    def test_inactive_policies_are_skipped(self, supplier, policies):
        policies["type/p2"].is_active = False
        policies["type/p2"].save()
        found = sla_policy_for(partner_id=supplier.pk, fault_type="Service Outage", priority=2)
        assert found == policies["type/any"]

    def test_other_partners_policies_do_not_apply(self, policies):
        other = PartnerFactory()
        assert sla_policy_for(partner_id=other.pk, fault_type="Service Outage", priority=2) is None


@pytest.mark.django_db
class TestFaultSlaRecompute:
    def test_no_policy_is_none(self, supplier):
        fault = make_fault(supplier=supplier, statuses=[(S.PENDING, at(0)), (S.ACCEPTED, at(1))])
        fault_sla_recompute(fault, now=at(5))
        assert fault.sla_policy is None
        assert (fault.sla_state, fault.sla_elapsed_seconds, fault.sla_paused_seconds) == (
            SlaState.NONE,
            0,
            0,
        )
        assert fault.sla_due_at is None
        assert fault.sla_computed_at == at(5)

    def test_from_status_events(self, supplier, policy):
        fault = make_fault(
            supplier=supplier,
            statuses=[
                (S.PENDING, at(0)),
                (S.ACCEPTED, at(1)),
                (S.ON_HOLD, at(3)),
                (S.IN_PROGRESS, at(4)),
            ],
        )
        fault_sla_recompute(fault, now=at(6))
        # running 1-3 and 4-6 = 4 h, paused 3-4 = 1 h; due @6 + 6 h = @12
        assert fault.sla_policy == policy
        assert fault.sla_state == SlaState.RUNNING
        assert (fault.sla_elapsed_seconds, fault.sla_paused_seconds) == (4 * HOUR, HOUR)
        assert fault.sla_due_at == at(12)
        assert fault.sla_computed_at == at(6)
        # nothing was saved
        fault.refresh_from_db()
        assert (fault.sla_policy_id, fault.sla_state) == (None, SlaState.NONE)

    def test_business_hours_policy(self, supplier):
        SlaPolicyFactory(
            partner=supplier, target=timedelta(hours=10), calendar=SlaCalendar.BUSINESS_HOURS
        )
        fault = make_fault(
            supplier=supplier,
            statuses=[(S.PENDING, london(2026, 1, 9, 15)), (S.ACCEPTED, london(2026, 1, 9, 16))],
        )
        fault_sla_recompute(fault, now=london(2026, 1, 12, 10))
        # Fri 16-18 + Mon 08-10 = 4 h; due Mon 10:00 + 6 h = 16:00
        assert (fault.sla_state, fault.sla_elapsed_seconds) == (SlaState.RUNNING, 4 * HOUR)
        assert fault.sla_due_at == london(2026, 1, 12, 16)

    def test_no_status_events_is_not_started(self, supplier, policy):
        fault = make_fault(supplier=supplier)
        fault_sla_recompute(fault, now=at(5))
        assert fault.sla_policy == policy
        assert (fault.sla_state, fault.sla_due_at) == (SlaState.NONE, None)

    def test_only_status_events_count(self, supplier, policy):
        fault = make_fault(supplier=supplier, statuses=[(S.PENDING, at(0)), (S.ACCEPTED, at(1))])
        # a stale notification recorded but not applied: not part of the timeline
        FaultEvent.objects.create(
            fault=fault,
            kind=EventKind.STALE_STATUS,
            at=at(2),
            actor_kind=ActorKind.PARTNER,
            to_status=S.RESOLVED,
        )
        fault_sla_recompute(fault, now=at(3))
        assert (fault.sla_state, fault.sla_elapsed_seconds) == (SlaState.RUNNING, 2 * HOUR)

    def test_events_at_the_same_instant_keep_their_order(self, supplier, policy):
        # resolved and re-opened at the same instant: the later row (re-opened) is current
        fault = make_fault(
            supplier=supplier,
            statuses=[(S.ACCEPTED, at(0)), (S.RESOLVED, at(2)), (S.REOPENED, at(2))],
        )
        fault_sla_recompute(fault, now=at(3))
        assert (fault.sla_state, fault.sla_elapsed_seconds) == (SlaState.RUNNING, 3 * HOUR)

    def test_a_status_stamped_before_the_previous_one_starts_when_that_one_did(
        self, supplier, policy
    ):
        # We submitted at 0; the supplier's clock is 2 s behind and stamps "accepted" at -2 s.
        # Applied in that order, the clock runs from 0, not "accepted then pending".
        fault = make_fault(
            supplier=supplier,
            statuses=[(S.PENDING, at(0)), (S.ACCEPTED, at(0) - timedelta(seconds=2))],
        )
        fault_sla_recompute(fault, now=at(1))
        assert (fault.sla_state, fault.sla_elapsed_seconds) == (SlaState.RUNNING, HOUR)

    def test_policy_once_set_is_kept(self, supplier, policy):
        fault = make_fault(supplier=supplier, statuses=[(S.ACCEPTED, at(0))])
        fault_sla_recompute(fault, now=at(1))
        SlaPolicyFactory(
            partner=supplier,
            fault_type=fault.fault_type,
            priority=fault.priority,
            target=timedelta(hours=1),
        )
        fault_sla_recompute(fault, now=at(2))
        assert fault.sla_policy == policy
        assert fault.sla_state == SlaState.RUNNING


@pytest.mark.django_db
class TestSweep:
    def test_flips_as_time_passes(self, supplier, policy):
        running = make_fault(supplier=supplier, statuses=[(S.PENDING, at(0)), (S.ACCEPTED, at(1))])
        stopped = make_fault(
            supplier=supplier,
            statuses=[(S.PENDING, at(0)), (S.ACCEPTED, at(1)), (S.RESOLVED, at(2))],
        )
        for fault in (running, stopped):
            fault_sla_recompute(fault, now=at(2))
            fault.save()
        stopped.refresh_from_db()
        assert stopped.sla_state == SlaState.MET
        stopped_before = Fault.objects.filter(pk=stopped.pk).values().get()
        updated_at = Fault.objects.values_list("updated_at", flat=True).get(pk=running.pk)

        # @5: 4 h, still running
        assert faults_sla_sweep(now=at(5)) == 0
        running.refresh_from_db()
        assert (running.sla_state, running.sla_elapsed_seconds) == (SlaState.RUNNING, 4 * HOUR)
        assert running.sla_computed_at == at(5)

        # @9: 8 h = 80 %: at risk, due @11
        assert faults_sla_sweep(now=at(9)) == 1
        running.refresh_from_db()
        assert (running.sla_state, running.sla_due_at) == (SlaState.AT_RISK, at(11))
        # the same sweep again changes nothing
        assert faults_sla_sweep(now=at(9)) == 0

        # @12: 11 h: breached, crossed @11
        assert faults_sla_sweep(now=at(12)) == 1
        running.refresh_from_db()
        assert (running.sla_state, running.sla_elapsed_seconds) == (SlaState.BREACHED, 11 * HOUR)
        assert running.sla_due_at == at(11)
        assert faults_sla_sweep(now=at(12)) == 0

        # the stopped fault was never touched; only sla_* fields are written
        assert Fault.objects.filter(pk=stopped.pk).values().get() == stopped_before
        assert Fault.objects.values_list("updated_at", flat=True).get(pk=running.pk) == updated_at

    def test_in_small_batches(self, supplier, policy):
        faults = [make_fault(supplier=supplier, statuses=[(S.ACCEPTED, at(0))]) for _ in range(3)]
        for fault in faults:
            fault_sla_recompute(fault, now=at(1))
            fault.save()
        assert faults_sla_sweep(now=at(8), batch_size=1) == 3
        states = set(Fault.objects.values_list("sla_state", flat=True))
        assert states == {SlaState.AT_RISK}

    def test_full_recomputes_stopped_faults(self, supplier, policy):
        fault = make_fault(supplier=supplier, statuses=[(S.ACCEPTED, at(0)), (S.RESOLVED, at(2))])
        fault_sla_recompute(fault, now=at(3))
        fault.save()
        # a status event that arrived without a recompute (say, a fix-up): the full sweep sees it
        add_status(fault, S.REOPENED, at(4))
        assert faults_sla_sweep(now=at(5)) == 0  # met is not active: skipped
        assert faults_sla_sweep(now=at(5), full=True) == 1
        fault.refresh_from_db()
        # running 0-2 and 4-5 = 3 h
        assert (fault.sla_state, fault.sla_elapsed_seconds) == (SlaState.RUNNING, 3 * HOUR)
        assert fault.sla_computed_at == at(5)

    def test_faults_without_policy_are_left_alone(self, supplier):
        fault = make_fault(supplier=supplier, statuses=[(S.ACCEPTED, at(0))])
        assert faults_sla_sweep(now=at(5), full=True) == 0
        fault.refresh_from_db()
        assert (fault.sla_state, fault.sla_computed_at) == (SlaState.NONE, None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sweep_skips_rows_a_transition_holds(supplier, policy):
    """A fault locked by another transaction is skipped at once, not waited for nor overwritten."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    locked, free = (make_fault(supplier=supplier, statuses=[(S.ACCEPTED, at(0))]) for _ in "ab")
    for fault in (locked, free):
        fault_sla_recompute(fault, now=at(1))
        fault.save()
    holding, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        try:
            with transaction.atomic():
                Fault.objects.select_for_update().get(pk=locked.pk)
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=hold_lock)
    thread.start()
    try:
        assert holding.wait(10)
        assert faults_sla_sweep(now=at(9)) == 1
    finally:
        release.set()
        thread.join()
    states = dict(Fault.objects.values_list("pk", "sla_state"))
    assert states == {locked.pk: SlaState.RUNNING, free.pk: SlaState.AT_RISK}
    # once released, the next sweep catches up
    assert faults_sla_sweep(now=at(9)) == 1
