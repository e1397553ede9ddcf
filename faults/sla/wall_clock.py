"""What the SLA clock means, for the fault page: the policy's calendar in words, and the fault's
time in clock time beside the SLA's own figures.

The SLA figures count the policy's calendar. Under business hours a fault raised on a Friday
evening and fixed on the Saturday has used no SLA time: "Elapsed 0 m" is right, and reads as a
fault that took no time unless the page says what is counted and shows the clock time too. The
clock time is the dashboard's own (faults.reports.durations, read for the one fault): from
raised to resolved, with and without the time on hold, so the two pages agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from faults.choices import SlaCalendar
from faults.models import Fault, SlaPolicy
from faults.reports.durations import clock_seconds, ended_at, hold_seconds


def calendar_words(policy: SlaPolicy) -> str:
    """The hours a policy's clock counts, in words."""
    if policy.calendar == SlaCalendar.BUSINESS_HOURS:
        start = policy.business_day_start.strftime("%H:%M")
        end = policy.business_day_end.strftime("%H:%M")
        return f"business hours (Monday to Friday, {start} to {end}, not bank holidays)"
    return "round the clock (24x7)"


@dataclass(frozen=True)
class ClockTime:
    """A fault's time with the supplier in clock time: from raised until it was resolved (or
    finished otherwise, or until now), and how much of that it spent on hold."""

    total_seconds: int
    on_hold_seconds: int
    resolved: bool
    finished: bool

    @property
    def without_hold_seconds(self) -> int:
        return max(self.total_seconds - self.on_hold_seconds, 0)

    @property
    def label(self) -> str:
        if self.resolved:
            return "Time to repair"  # the dashboard's words for the same figure
        return "With the supplier for" if self.finished else "Open for"


def fault_clock_time(fault: Fault, *, now: datetime) -> ClockTime | None:
    """The fault's clock time, or None for a fault the supplier never took on (a draft, one
    still pending, one rejected or cancelled before acceptance)."""
    if fault.accepted_at is None:
        return None
    total, on_hold, finished = (
        Fault.objects.filter(pk=fault.pk)
        .annotate(total=clock_seconds(now=now), on_hold=hold_seconds(now=now), finished=ended_at())
        .values_list("total", "on_hold", "finished")
        .get()
    )
    return ClockTime(
        total_seconds=round(total),
        on_hold_seconds=round(on_hold),
        resolved=fault.resolved_at is not None,
        finished=finished is not None,
    )
