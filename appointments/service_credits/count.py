"""Our count of a late repair's delay days, to set beside the supplier's lateRepairNotification
(`totalDelayInDays`, `sellerDelayDays`, `nonSellerDelayDays`, `exclusions`). Pure arithmetic on
instants: `appointments.service_credits.history` reads the fault, its SLA pauses and its
appointments and hands them in.

What a delay day is. The supplier's XSD gives every exclusion a `numberOfDays` with a start and
an end date-time, and its days run over weekends (an exclusion from Saturday 09:00 to Monday
09:00 is 2 days): they are calendar days of 24 hours, not working days. The SLA policy's
calendar (24x7 or business hours) decides *when* the repair was due; how late it was is then
counted in calendar time, the time the customer was without a repair.

The count (`late_repair_count`):

* The late period runs from the SLA target (`due_at`: the instant the SLA clock reached its
  target; time on hold before it has already moved it) to the end of the supplier's work on the
  fault (`ended_at`: resolved, else closed, cancelled or rejected; now while it is still being
  worked). None if the repair was not late.
* Total delay days: the late period in days, a part day counting as a day (a service credit is
  owed for each day or part day late).
* Non-seller days: the part of the late period excluded as not the supplier's doing, in whole
  days (a part day is not excluded). Excluded are
    - time on hold (an SLA pause: on hold is for delays out of the supplier's hands);
    - the wait after an appointment the end user missed, or one missed for a matter beyond
      reasonable control (MBORC): from that slot's start to the next visit's slot (or the end);
  overlapping periods are counted once.
* ...except the wait after an appointment the supplier missed (from that slot's start to the
  next visit's slot), which is the supplier's even while it held the fault on hold: waiting for
  the supplier to come back is not out of its hands. These are the days "added by supplier-missed
  appointments", reported as `seller_missed_wait_seconds`.
* Seller days: total minus non-seller days, so that total = seller + non-seller as in the
  supplier's notification.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

DAY_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Period:
    """A span of time [start, end) and why it is there, in words."""

    start: datetime
    end: datetime
    reason: str = ""

    @property
    def seconds(self) -> int:
        return max(int((self.end - self.start).total_seconds()), 0)


@dataclass(frozen=True)
class DelayCount:
    """Our figures for one late repair. Days are whole days; seconds are what they came from."""

    due_at: datetime
    ended_at: datetime
    total_days: int
    seller_days: int
    non_seller_days: int
    late_seconds: int
    excluded_seconds: int
    seller_missed_wait_seconds: int
    # The excluded periods as counted: cut to the late period, without what a supplier-missed
    # appointment's wait takes back, overlaps merged into the first one's reason.
    exclusions: tuple[Period, ...] = ()

    @property
    def is_late(self) -> bool:
        return self.late_seconds > 0


def late_repair_count(
    *,
    due_at: datetime,
    ended_at: datetime,
    holds: Iterable[Period] = (),
    end_user_waits: Iterable[Period] = (),
    seller_waits: Iterable[Period] = (),
) -> DelayCount:
    """Our count of the delay days of a repair due at `due_at` and ended at `ended_at` (aware
    datetimes), with the fault's periods on hold, its waits after appointments missed by the end
    user (or MBORC) and after those missed by the supplier. A repair not late counts 0 days.
    The rules are in this module's docstring."""
    due_at, ended_at = due_at.astimezone(UTC), ended_at.astimezone(UTC)
    late = Period(due_at, max(ended_at, due_at))
    excused = _union(_clip(p, late) for p in (*holds, *end_user_waits))
    seller = _union(_clip(p, late) for p in seller_waits)
    excluded = _subtract(excused, seller)
    late_seconds = late.seconds
    excluded_seconds = sum(p.seconds for p in excluded)
    total_days = math.ceil(late_seconds / DAY_SECONDS)
    non_seller_days = excluded_seconds // DAY_SECONDS
    return DelayCount(
        due_at=due_at,
        ended_at=late.end,
        total_days=total_days,
        seller_days=total_days - non_seller_days,
        non_seller_days=non_seller_days,
        late_seconds=late_seconds,
        excluded_seconds=excluded_seconds,
        seller_missed_wait_seconds=sum(p.seconds for p in seller),
        exclusions=tuple(excluded),
    )


def _clip(period: Period, within: Period) -> Period | None:
    """The part of `period` within `within`, in UTC: a difference of two datetimes that share a
    ZoneInfo is their wall-clock difference, an hour out across a clock change."""
    start = max(period.start.astimezone(UTC), within.start)
    end = min(period.end.astimezone(UTC), within.end)
    return Period(start, end, period.reason) if end > start else None


def _union(periods: Iterable[Period | None]) -> list[Period]:
    """The periods merged where they overlap or touch, in time order (the first one's reason
    names a merged period)."""
    merged: list[Period] = []
    for period in sorted((p for p in periods if p), key=lambda p: (p.start, p.end)):
        if merged and period.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Period(last.start, max(last.end, period.end), last.reason)
        else:
            merged.append(period)
    return merged


def _subtract(periods: Sequence[Period], taken: Sequence[Period]) -> list[Period]:
    """`periods` without the time `taken` covers (both merged and in time order)."""
    result: list[Period] = []
    for period in periods:
        pieces = [period]
        for cut in taken:
            pieces = [piece for p in pieces for piece in _cut(p, cut)]
        result += pieces
    return result


def _cut(period: Period, cut: Period) -> list[Period]:
    if cut.end <= period.start or cut.start >= period.end:
        return [period]
    pieces = []
    if cut.start > period.start:
        pieces.append(Period(period.start, cut.start, period.reason))
    if cut.end < period.end:
        pieces.append(Period(cut.end, period.end, period.reason))
    return pieces


def days_and_hours(seconds: int) -> str:
    """A duration as a person reads it in a claim: "2 d 4 h", "5 h", "0 h"."""
    days, rest = divmod(max(seconds, 0), DAY_SECONDS)
    hours = round(rest / 3600)
    if hours == 24:
        days, hours = days + 1, 0
    if days and hours:
        return f"{days} d {hours} h"
    return f"{days} d" if days else f"{hours} h"
