"""The supplier's late repair figures beside ours, and what differs, in words a person reads.

Only the figures the supplier sent are compared (its notification may leave any out). We cannot
compare a fault without an SLA target (no policy): there is nothing of ours to set beside the
supplier's, and that is said rather than called a difference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Q

from appointments.service_credits.count import DelayCount, days_and_hours
from faults.models import Fault

# (name, how the figure reads in a sentence), in the order a difference is named.
FIGURES = (
    ("seller", "seller-caused"),
    ("total", ""),
    ("non_seller", "not seller-caused"),
)


@dataclass(frozen=True)
class Figures:
    total: int | None
    seller: int | None
    non_seller: int | None


def notified() -> Q:
    """Faults with at least one figure of a supplier's late repair notification."""
    return (
        Q(late_repair_total_days__isnull=False)
        | Q(late_repair_seller_days__isnull=False)
        | Q(late_repair_non_seller_days__isnull=False)
    )


def supplier_figures(fault: Fault) -> Figures | None:
    """The supplier's lateRepairNotification figures, None if it sent none."""
    figures = Figures(
        fault.late_repair_total_days,
        fault.late_repair_seller_days,
        fault.late_repair_non_seller_days,
    )
    return None if figures == Figures(None, None, None) else figures


def our_figures(count: DelayCount | None) -> Figures | None:
    if count is None:
        return None
    return Figures(count.total_days, count.seller_days, count.non_seller_days)


@dataclass(frozen=True)
class Reconciliation:
    """The two sets of figures, and each figure that differs: name -> (theirs, ours)."""

    theirs: Figures | None
    ours: Figures | None

    @property
    def differences(self) -> dict[str, tuple[int, int]]:
        if self.theirs is None or self.ours is None:
            return {}
        found = {}
        for name, _ in FIGURES:
            theirs, ours = getattr(self.theirs, name), getattr(self.ours, name)
            if theirs is not None and theirs != ours:
                found[name] = (theirs, ours)
        return found

    @property
    def agree(self) -> bool | None:
        """True or False when both sides have figures; None when one side has none."""
        if self.theirs is None or self.ours is None:
            return None
        return not self.differences

    def difference(self, name: str) -> int | None:
        """Ours minus theirs for one figure (None where either is missing)."""
        if self.theirs is None or self.ours is None:
            return None
        theirs, ours = getattr(self.theirs, name), getattr(self.ours, name)
        return None if theirs is None or ours is None else ours - theirs


def days(n: int, kind: str = "") -> str:
    """ "1 seller-caused day", "4 days"."""
    return f"{n} {kind + ' ' if kind else ''}day{'' if n == 1 else 's'}"


def mismatch_subject(supplier: str, reconciliation: Reconciliation) -> str:
    """The exception's subject: the first figure that differs, e.g. "CityFibre counts 3
    seller-caused days late, we count 4"."""
    name, (theirs, ours) = next(iter(reconciliation.differences.items()))
    kind = dict(FIGURES)[name]
    return f"{supplier} counts {days(theirs, kind)} late, we count {ours}"


def figures_sentence(figures: Figures) -> str:
    """ "4 days late, 3 seller-caused, 1 not"; a figure not sent is named as such."""
    said = [
        days(figures.total) + " late" if figures.total is not None else "",
        f"{figures.seller} seller-caused" if figures.seller is not None else "",
        f"{figures.non_seller} not" if figures.non_seller is not None else "",
    ]
    missing = [
        name
        for name, value in (
            ("days late", figures.total),
            ("seller-caused days", figures.seller),
            ("non-seller-caused days", figures.non_seller),
        )
        if value is None
    ]
    sentence = ", ".join(part for part in said if part)
    return sentence + (f" ({' and '.join(missing)} not given)" if missing else "")


def _utc(instant: datetime) -> str:
    return f"{instant.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def our_count_sentence(count: DelayCount) -> str:
    """How we counted, for the exception's comment and the evidence page."""
    if not count.is_late:
        return (
            f"not late: repaired by the SLA target ({_utc(count.due_at)})"
            if count.ended_at <= count.due_at
            else "not late"
        )
    said = (
        f"{days(count.total_days)} late from the SLA target ({_utc(count.due_at)}) "
        f"to the end of the repair ({_utc(count.ended_at)}), "
        f"{count.seller_days} seller-caused, {count.non_seller_days} not"
    )
    if count.exclusions:
        said += (
            " (excluded: "
            + "; ".join(f"{p.reason}, {days_and_hours(p.seconds)}" for p in count.exclusions)
            + ")"
        )
    if count.seller_missed_wait_seconds:
        said += (
            f"; {days_and_hours(count.seller_missed_wait_seconds)} of waiting after appointments "
            "the supplier missed count against it"
        )
    return said


def mismatch_comment(reconciliation: Reconciliation, count: DelayCount) -> str:
    assert reconciliation.theirs is not None
    return (
        f"The supplier's late repair notification: {figures_sentence(reconciliation.theirs)}. "
        f"Our count: {our_count_sentence(count)}. Compare the figures on the service credit "
        "evidence and dispute the supplier's count in writing."
    )
