"""The SLA arithmetic, free of the database (design §5).

A fault's status timeline is a list of `(status, started_at)` pairs in time order; each status
lasts until the next pair starts, the last one until `now`. The clock

* runs in SLA_RUNNING_STATUSES (accepted, open, in-progress, re-opened), counting working time
  of the policy's calendar;
* is paused in SLA_PAUSED_STATUSES (on-hold); paused time is counted in the same calendar, for
  display only;
* is stopped in every other status (draft, pending, resolved, closed, cancelled, rejected).

The clock has started once the fault has been in a running or paused status (a supplier that
skips "accepted" and puts a pending fault straight on hold has still taken the fault on).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from faults.choices import SLA_PAUSED_STATUSES, SLA_RUNNING_STATUSES, SlaState
from faults.sla.calendars import Calendar


@dataclass(frozen=True)
class SlaFigures:
    """What a fault stores about its SLA.

    `due_at` is when the target is (or was) reached:

    * running / at-risk / paused: projected from `now` with the time left (while paused it moves
      on with `now`; the periodic sweep refreshes it);
    * met: projected from the moment the clock stopped with the time that was left then;
    * breached / missed: the instant the elapsed time reached the target.
    """

    state: SlaState
    elapsed_seconds: int
    paused_seconds: int
    due_at: datetime | None


@dataclass(frozen=True)
class _Interval:
    status: str
    start: datetime
    end: datetime


def _intervals(timeline: Sequence[tuple[str, datetime]], now: datetime) -> list[_Interval]:
    """Each status with the span it lasted. The timeline is in the order the statuses were
    applied; a status stamped earlier than the one before it (another party's clock) starts when
    that one did. Statuses taking effect after `now` have not happened yet and are left out, so
    the last interval is the status current at `now`."""
    ordered: list[tuple[str, datetime]] = []
    for status, started_at in timeline:
        ordered.append((status, max(started_at, ordered[-1][1]) if ordered else started_at))
    happened = [(status, started_at) for status, started_at in ordered if started_at <= now]
    ends = [started_at for _, started_at in happened[1:]] + [now]
    return [
        _Interval(status, started_at, max(end, started_at))
        for (status, started_at), end in zip(happened, ends, strict=False)
    ]


def _crossing_instant(
    running: list[_Interval], *, target_seconds: int, calendar: Calendar
) -> datetime | None:
    """The instant within the running intervals at which elapsed time reached the target."""
    elapsed = 0
    for interval in running:
        seconds = calendar.working_seconds(interval.start, interval.end)
        if elapsed + seconds >= target_seconds:
            return calendar.add_working_seconds(interval.start, target_seconds - elapsed)
        elapsed += seconds
    return None


def compute_sla_figures(
    *,
    timeline: Sequence[tuple[str, datetime]],
    target_seconds: int,
    at_risk_percent: int,
    calendar: Calendar,
    now: datetime,
) -> SlaFigures:
    """The SLA figures of a status timeline as of `now`."""
    intervals = _intervals(timeline, now)
    running = [i for i in intervals if i.status in SLA_RUNNING_STATUSES]
    paused = [i for i in intervals if i.status in SLA_PAUSED_STATUSES]
    elapsed = sum(calendar.working_seconds(i.start, i.end) for i in running)
    paused_seconds = sum(calendar.working_seconds(i.start, i.end) for i in paused)

    if not running and not paused:
        return SlaFigures(SlaState.NONE, elapsed, paused_seconds, None)

    current = intervals[-1].status
    is_running = current in SLA_RUNNING_STATUSES
    is_paused = current in SLA_PAUSED_STATUSES
    remaining = target_seconds - elapsed

    if remaining <= 0:
        state = SlaState.BREACHED if is_running or is_paused else SlaState.MISSED
        due_at = _crossing_instant(running, target_seconds=target_seconds, calendar=calendar)
    elif not (is_running or is_paused):
        state = SlaState.MET
        # The clock stopped when the status after the last running/paused one took effect.
        last_active = max(
            index
            for index, i in enumerate(intervals)
            if i.status in SLA_RUNNING_STATUSES or i.status in SLA_PAUSED_STATUSES
        )
        due_at = calendar.add_working_seconds(intervals[last_active].end, remaining)
    else:
        if is_paused:
            state = SlaState.PAUSED
        elif elapsed * 100 >= at_risk_percent * target_seconds:
            state = SlaState.AT_RISK
        else:
            state = SlaState.RUNNING
        due_at = calendar.add_working_seconds(now, remaining)
    return SlaFigures(state, elapsed, paused_seconds, due_at)
