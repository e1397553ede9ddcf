"""The SLA dashboard's figures (faults.reports), from faults moved through the real services.

The milestone times and on-hold stretches are then set to known values (`repaired_in`), so
that every expected figure can be worked out by hand (in the comments). The same tests run on
SQLite (window-function percentiles, julianday) and, marked `postgres`, on PostgreSQL
(percentile_cont, EXTRACT(EPOCH …)).
"""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from appointments.choices import AppointmentState, MissedSide
from appointments.models import Appointment
from faults.choices import SlaState
from faults.models import Fault, SlaPause
from faults.reports.dashboard import DashboardRow, sla_dashboard
from faults.reports.filters import DashboardFilters, default_period
from faults.sla.wall_clock import fault_clock_time
from tests.factories import FaultFactory, PartnerFactory
from tests.helpers import bring_to

pytestmark = pytest.mark.django_db

# Resolved in the period by `partner` at P2: (repair without on-hold, on hold) seconds.
#   without on-hold, sorted: 3600, 7200, 10800, 36000
#     mean   = 57600 / 4 = 14400
#     median = position 0.5·3 = 1.5 → 7200 + 0.5·(10800-7200) = 9000
#     p90    = position 0.9·3 = 2.7 → 10800 + 0.7·(36000-10800) = 28440
#   with on-hold (elapsed + paused), sorted: 3600, 9000, 10800, 39600
#     mean   = 63000 / 4 = 15750
#     median = 9000 + 0.5·(10800-9000) = 9900
#     p90    = 10800 + 0.7·(39600-10800) = 30960
#   on-hold share = 5400 / 63000 = 8.571 %
RESOLVED_P2 = [
    (3600, 0, "resolved"),
    (7200, 1800, "closed"),
    (10800, 0, "resolved"),
    (36000, 3600, "closed"),
]


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def repaired_in(fault: Fault, seconds: float, *, hold: float = 0) -> None:
    """Make the resolved `fault` take `seconds` of wall-clock time from raised to resolved, of
    which `hold` on hold (one SLA pause), whatever its SLA clock says."""
    fault.refresh_from_db()
    raised = fault.resolved_at - timedelta(seconds=seconds)
    Fault.objects.filter(pk=fault.pk).update(submitted_at=raised, accepted_at=raised)
    SlaPause.objects.filter(fault=fault).delete()
    if hold:
        start = raised + timedelta(seconds=1)
        SlaPause.objects.create(
            fault=fault, started_at=start, ended_at=start + timedelta(seconds=hold)
        )


def make(
    partner, status: str, *, priority: int = 2, repair: float | None = None, hold: float = 0,
    **figures,
) -> Fault:  # fmt: skip
    """A fault brought to `status` by the services, then given known SLA figures/times."""
    fault = bring_to(FaultFactory(supplier=partner, priority=priority), status)
    if figures:
        Fault.objects.filter(pk=fault.pk).update(**figures)
    if repair is not None:
        repaired_in(fault, repair, hold=hold)
    return fault


def row(dashboard, partner, priority) -> DashboardRow:
    (found,) = [r for r in dashboard.rows if r.supplier_id == partner.pk and r.priority == priority]
    return found


def missed(partner, fault, side: str, day: date) -> None:
    Appointment.objects.create(
        partner=partner,
        fault=fault,
        reservation_key=f"K-{fault.pk}-{side}",
        appointment_date=day,
        state=AppointmentState.MISSED,
        missed=True,
        missed_side=side,
    )


@pytest.fixture
def other_partner():
    return PartnerFactory(slug="other-supplier", name="Other Supplier")


@pytest.fixture
def figures(partner, other_partner, sla_policy):
    """Given: resolved, open, rejected faults and missed appointments over two suppliers."""
    today = timezone.localdate()
    for without_hold, hold, status in RESOLVED_P2:
        make(partner, status, repair=without_hold + hold, hold=hold)
    # Resolved before the period: not in time to repair.
    make(partner, "closed", resolved_at=at(today - timedelta(days=40)), repair=99999)
    # Open now at P1: one at risk, one breached, one on hold, one pending.
    make(partner, "in-progress", priority=1, sla_state=SlaState.AT_RISK)
    make(partner, "in-progress", priority=1, sla_state=SlaState.BREACHED)
    make(partner, "on-hold", priority=1)
    make(partner, "pending", priority=1)
    make(partner, "draft", priority=1)  # not raised: not open
    # The other supplier: open at P3, a rejected raise now and one long ago.
    accepted = make(other_partner, "accepted", priority=3)
    make(other_partner, "rejected", priority=3)
    make(other_partner, "rejected", priority=3, rejected_at=at(today - timedelta(days=60)))
    # Missed appointments by side, one outside the period.
    p1_fault = Fault.objects.filter(supplier=partner, priority=1).first()
    missed(partner, p1_fault, MissedSide.SELLER, today)
    missed(other_partner, accepted, MissedSide.END_USER, today)
    seller_again = make(partner, "in-progress", priority=4)
    missed(partner, seller_again, MissedSide.SELLER, today - timedelta(days=1))
    other = make(partner, "in-progress", priority=4)
    missed(partner, other, MissedSide.MBORC, today - timedelta(days=2))
    gone = make(partner, "in-progress", priority=4)
    missed(partner, gone, MissedSide.NONE, today - timedelta(days=100))


def last_28_days(**kwargs) -> DashboardFilters:
    date_from, date_to = default_period()
    return DashboardFilters(date_from=date_from, date_to=date_to, **kwargs)


def assert_the_hand_worked_figures(dashboard, partner, other_partner) -> None:
    p2 = row(dashboard, partner, 2)
    assert p2.resolved == 4
    assert p2.repair.mean == pytest.approx(14400)
    assert p2.repair.median == pytest.approx(9000)
    assert p2.repair.p90 == pytest.approx(28440)
    assert p2.repair_with_hold.mean == pytest.approx(15750)
    assert p2.repair_with_hold.median == pytest.approx(9900)
    assert p2.repair_with_hold.p90 == pytest.approx(30960)
    assert p2.on_hold_percent == pytest.approx(100 * 5400 / 63000)
    assert p2.open_by_status == {"resolved": 2}  # resolved waits for our answer: still open

    p1 = row(dashboard, partner, 1)
    assert p1.open_by_status == {"in-progress": 2, "on-hold": 1, "pending": 1}
    assert (p1.open_total, p1.at_risk, p1.breached) == (4, 1, 1)
    assert p1.counted["missed"] == {"seller": 1, "end-user": 0, "other": 0}

    p3 = row(dashboard, other_partner, 3)
    assert p3.open_by_status == {"accepted": 1}
    assert p3.rejected == 1
    assert p3.counted["missed"] == {"seller": 0, "end-user": 1, "other": 0}

    p4 = row(dashboard, partner, 4)
    assert p4.counted["missed"] == {"seller": 1, "end-user": 0, "other": 1}

    total = dashboard.total
    # open: P1 4, P2 2 resolved (awaiting our answer), P3 1, P4 3
    assert (total.open_total, total.at_risk, total.breached, total.rejected) == (10, 1, 1, 1)
    assert total.resolved == 4
    assert total.repair.median == pytest.approx(9000)
    assert total.counted["missed"] == {"seller": 2, "end-user": 1, "other": 1}


def test_the_figures_per_supplier_and_priority(figures, partner, other_partner):
    dashboard = sla_dashboard(last_28_days())

    assert_the_hand_worked_figures(dashboard, partner, other_partner)


@pytest.mark.postgres
def test_the_figures_are_the_same_on_postgresql(figures, partner, other_partner):
    dashboard = sla_dashboard(last_28_days())

    assert_the_hand_worked_figures(dashboard, partner, other_partner)


def test_the_total_percentiles_span_every_supplier_and_priority(partner, other_partner):
    # without on-hold 100, 200, 300 (partner P2) and 1000 (other P5):
    #   median = 200 + 0.5·100 = 250; p90 = position 2.7 → 300 + 0.7·700 = 790
    for seconds in (100, 200, 300):
        make(partner, "resolved", repair=seconds)
    make(other_partner, "resolved", priority=5, repair=1000)

    total = sla_dashboard(last_28_days()).total

    assert total.repair.median == pytest.approx(250)
    assert total.repair.p90 == pytest.approx(790)
    assert total.repair.mean == pytest.approx(400)


def test_the_filters_narrow_every_figure(figures, partner, other_partner):
    dashboard = sla_dashboard(last_28_days(supplier=other_partner))

    assert [(r.supplier_id, r.priority) for r in dashboard.rows] == [(other_partner.pk, 3)]
    assert dashboard.total.resolved == 0
    assert dashboard.total.repair.median is None

    only_p1 = sla_dashboard(last_28_days(priority=1))
    assert {r.priority for r in only_p1.rows} == {1}
    assert only_p1.total.open_total == 4


def test_weekly_trends_bucket_by_iso_week(partner):
    # Given a period of two ISO weeks, Monday 2 March to Sunday 15 March 2026 (W10, W11).
    monday = date(2026, 3, 2)
    period = DashboardFilters(date_from=monday, date_to=monday + timedelta(days=13))
    week1, week2 = at(monday + timedelta(days=1)), at(monday + timedelta(days=8))
    make(partner, "closed", submitted_at=week1, resolved_at=week2)
    make(partner, "pending", submitted_at=week1)
    make(partner, "in-progress", submitted_at=week2, sla_state=SlaState.BREACHED, sla_due_at=week2)
    make(partner, "closed", sla_state=SlaState.MISSED, sla_due_at=week1, resolved_at=week1)
    # Outside the period on both sides (raised the day before, resolved the day after).
    make(
        partner,
        "resolved",
        submitted_at=at(monday - timedelta(days=1)),
        resolved_at=at(monday + timedelta(days=14)),
    )

    trends = sla_dashboard(period).trends

    assert [(w.iso_week, w.raised, w.resolved, w.breached) for w in trends] == [
        ("2026-W10", 2, 1, 1),
        ("2026-W11", 1, 1, 1),
    ]


def test_weeks_are_named_by_the_monday_they_commence_in_words():
    # Given a period inside one year, then one that starts in the last week of the year before.
    in_2026 = DashboardFilters(date_from=date(2026, 10, 26), date_to=date(2026, 11, 8))
    new_year = DashboardFilters(date_from=date(2026, 1, 1), date_to=date(2026, 1, 11))

    assert [w.label for w in sla_dashboard(in_2026).trends] == ["w/c 26 Oct", "w/c 2 Nov"]
    assert [w.label for w in sla_dashboard(new_year).trends] == [
        "w/c 29 Dec 2025",
        "w/c 5 Jan 2026",
    ]
    assert [w.iso_week for w in sla_dashboard(new_year).trends] == ["2026-W01", "2026-W02"]


def test_a_period_without_faults_has_empty_rows_and_zero_weeks(db):
    dashboard = sla_dashboard(last_28_days())

    assert dashboard.rows == []
    assert dashboard.total.open_total == 0
    assert dashboard.total.repair.mean is None
    assert len(dashboard.trends) in (4, 5)  # 28 days touch four or five ISO weeks
    assert all(w.raised == w.resolved == w.breached == 0 for w in dashboard.trends)


# --- time to repair is wall-clock time (issue 10 #20) ------------------------------------------


def _fixed_overnight(partner, day: date, night_hours: int) -> Fault:
    """Raised at 19:00 on `day`, worked through the night, resolved at 19:00 + `night_hours`,
    all by the services: under a business-hours policy its SLA clock never ran."""
    from faults.services import Actor, fault_apply_supplier_status, fault_submit

    fault = FaultFactory(supplier=partner, buyer_identifier__partner=partner, priority=2)
    raised = at(day, 19)
    fault_submit(fault_id=fault.pk, actor=Actor.system("test"), at=raised)
    for minutes, status in ((5, "accepted"), (60, "in-progress"), (night_hours * 60, "resolved")):
        fault_apply_supplier_status(
            fault_id=fault.pk,
            status=status,
            actor=Actor.partner(f"N-{fault.pk}-{status}"),
            sent_at=raised + timedelta(minutes=minutes),
            maintainer_fault_reference="CS1" if status == "accepted" else "",
        )
    fault.refresh_from_db()
    return fault


@pytest.fixture
def fixed_overnight(partner):
    from faults.choices import SlaCalendar
    from tests.factories import SlaPolicyFactory

    SlaPolicyFactory(
        partner=partner, target=timedelta(hours=20), calendar=SlaCalendar.BUSINESS_HOURS
    )
    day = timezone.localdate() - timedelta(days=7)
    # 11 h, 10 h and 9 h on the clock, none of it in business hours (08:00-18:00)
    faults = [_fixed_overnight(partner, day - timedelta(days=n), 11 - n) for n in range(3)]
    assert [f.sla_elapsed_seconds for f in faults] == [0, 0, 0]
    return faults


def assert_repaired_in_ten_hours(dashboard, partner) -> None:
    p2 = row(dashboard, partner, 2)
    assert p2.resolved == 3
    assert p2.repair.median == pytest.approx(10 * 3600)
    assert p2.repair.mean == pytest.approx(10 * 3600)
    assert p2.repair_with_hold.median == pytest.approx(10 * 3600)


def test_time_to_repair_counts_the_hours_a_fault_took_not_its_sla_calendar(
    fixed_overnight, partner
):
    assert_repaired_in_ten_hours(sla_dashboard(last_28_days()), partner)


@pytest.mark.postgres
def test_time_to_repair_counts_the_hours_a_fault_took_on_postgresql(fixed_overnight, partner):
    assert_repaired_in_ten_hours(sla_dashboard(last_28_days()), partner)


# --- the fault page's clock time is the dashboard's time to repair -----------------------------

H = 3600
# One resolved fault per priority: (raised → resolved, its pauses as (start, end) in seconds
# from raised, None for one still open) and the clock time worked out by hand (total, on hold).
CLOCK_CASES = {
    1: (10 * H, [(H, 3 * H)], (10 * H, 2 * H)),
    # The supplier's clock stamped the pause before we raised the fault: only the part after.
    2: (5 * H, [(-H, H)], (5 * H, H)),
    # A pause the supplier ended after the resolution: only the part before.
    3: (4 * H, [(3 * H, 6 * H)], (4 * H, H)),
    # A pause still open when resolved: until the resolution.
    4: (3 * H, [(H, None)], (3 * H, 2 * H)),
}


@pytest.fixture
def clock_cases(partner, sla_policy):
    faults = {}
    for priority, (span, pauses, _expected) in CLOCK_CASES.items():
        fault = make(partner, "resolved", priority=priority)
        raised = fault.resolved_at - timedelta(seconds=span)
        Fault.objects.filter(pk=fault.pk).update(submitted_at=raised, accepted_at=raised)
        SlaPause.objects.filter(fault=fault).delete()
        for start, end in pauses:
            SlaPause.objects.create(
                fault=fault,
                started_at=raised + timedelta(seconds=start),
                ended_at=None if end is None else raised + timedelta(seconds=end),
            )
        fault.refresh_from_db()
        faults[priority] = fault
    # Raised under a stamp we no longer have: it counts from its acceptance.
    fault = make(partner, "resolved", priority=5, repair=2 * H, hold=0)
    Fault.objects.filter(pk=fault.pk).update(submitted_at=None)
    fault.refresh_from_db()
    faults[5] = fault
    return faults


def assert_the_page_and_the_dashboard_agree(faults, partner) -> None:
    dashboard = sla_dashboard(last_28_days())
    expected = {p: case[2] for p, case in CLOCK_CASES.items()} | {5: (2 * H, 0)}
    for priority, fault in faults.items():
        page = fault_clock_time(fault, now=timezone.now())
        figures = row(dashboard, partner, priority)
        total, on_hold = expected[priority]
        assert (page.total_seconds, page.on_hold_seconds) == (total, on_hold), priority
        assert figures.repair_with_hold.mean == pytest.approx(total), priority
        assert figures.repair.mean == pytest.approx(total - on_hold), priority
        assert page.without_hold_seconds == pytest.approx(figures.repair.median), priority


def test_the_fault_page_shows_the_dashboards_time_to_repair(clock_cases, partner):
    assert_the_page_and_the_dashboard_agree(clock_cases, partner)


@pytest.mark.postgres
def test_the_fault_page_shows_the_dashboards_time_to_repair_on_postgresql(clock_cases, partner):
    assert_the_page_and_the_dashboard_agree(clock_cases, partner)
