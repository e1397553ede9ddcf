"""Status words between TMF621 and our fault lifecycle, both directions, in one place.

The words collide, so each is read for what it means to the fault, not for its spelling:

* TMF `pending` (v4, MEF 124): the supplier waits on **us** (information required) → our
  `on-hold`, which pauses the SLA; the reason (what they need) is kept as the fault's status
  reason, which the agent's queue shows.
* TMF `held`: the supplier is stuck on **its own** side (parts, access, a third party) → our
  `in-progress` with the reason shown ("Held by the supplier: …"), SLA running; unless the
  partner's setting says its holds pause the SLA (`Tmf621Connection.holds_pause_sla`), then
  `on-hold` like `pending`.
* `submitted` (seed 002) → our `pending` (received, not yet acknowledged); `acknowledged` →
  `accepted`; `inProgress` → `in-progress`; MEF 124's `reopened` → `re-opened`; `resolved`,
  `closed`, `cancelled`, `rejected` → the same.
* MEF 124's `assessingCancellation`: our cancel request is being considered; no status of ours
  says that, so the status stays and the reason is shown.

A word the mapping does not know is `UNKNOWN`: the caller records it as an anomaly with the
supplier's word (never a 500, never a silent drop).

The other direction (`to_tmf`) is how our status reads in TMF's words (the TMF621 server of our
own faults and anything we tell a TMF partner).
"""

from __future__ import annotations

from dataclasses import dataclass

from faults.choices import FaultStatus


@dataclass(frozen=True)
class Mapped:
    """What a TMF status means for the fault: our status to apply (None: leave it) and a prefix
    for the reason shown with it."""

    status: str | None
    reason_prefix: str = ""


UNKNOWN = Mapped(status=None, reason_prefix="")

HELD_PREFIX = "Held by the supplier"
PENDING_PREFIX = "Information required by the supplier"
ASSESSING_CANCELLATION_PREFIX = "The supplier is assessing our cancellation"

_FROM_TMF: dict[str, Mapped] = {
    "submitted": Mapped(FaultStatus.PENDING),
    "acknowledged": Mapped(FaultStatus.ACCEPTED),
    "inProgress": Mapped(FaultStatus.IN_PROGRESS),
    "pending": Mapped(FaultStatus.ON_HOLD, PENDING_PREFIX),
    "resolved": Mapped(FaultStatus.RESOLVED),
    "closed": Mapped(FaultStatus.CLOSED),
    "cancelled": Mapped(FaultStatus.CANCELLED),
    "rejected": Mapped(FaultStatus.REJECTED),
    "reopened": Mapped(FaultStatus.REOPENED),
    "assessingCancellation": Mapped(None, ASSESSING_CANCELLATION_PREFIX),
}
KNOWN_TMF_STATUSES = frozenset({*_FROM_TMF, "held"})


def from_tmf(word: str, *, holds_pause_sla: bool = False) -> Mapped:
    """Our reading of a TMF status word (exact spelling, as v4 and MEF 124 write them; a word in
    another case is read case-insensitively); `UNKNOWN` for any other word."""
    if word == "held" or (isinstance(word, str) and word.lower() == "held"):
        status = FaultStatus.ON_HOLD if holds_pause_sla else FaultStatus.IN_PROGRESS
        return Mapped(status, HELD_PREFIX)
    if word in _FROM_TMF:
        return _FROM_TMF[word]
    by_lower = {key.lower(): value for key, value in _FROM_TMF.items()}
    return by_lower.get(word.lower(), UNKNOWN) if isinstance(word, str) else UNKNOWN


def reason_with_prefix(mapped: Mapped, reason: str) -> str:
    """The reason the fault shows: the mapping's prefix, then the supplier's words."""
    reason = (reason or "").strip()
    if not mapped.reason_prefix:
        return reason
    return f"{mapped.reason_prefix}: {reason}" if reason else mapped.reason_prefix


_TO_TMF: dict[str, str] = {
    FaultStatus.PENDING: "acknowledged",
    FaultStatus.ACCEPTED: "acknowledged",
    FaultStatus.OPEN: "inProgress",
    FaultStatus.IN_PROGRESS: "inProgress",
    FaultStatus.ON_HOLD: "pending",
    FaultStatus.REOPENED: "inProgress",
    FaultStatus.RESOLVED: "resolved",
    FaultStatus.CLOSED: "closed",
    FaultStatus.CANCELLED: "cancelled",
    FaultStatus.REJECTED: "rejected",
}


def to_tmf(status: str) -> str | None:
    """Our status in TMF v4's words; None for a draft (never sent, nothing to say)."""
    return _TO_TMF.get(status)


# What we PATCH as the buyer's answer to a resolution (MEF 124 UC 6: close or reopen).
RESOLUTION_ACCEPTED = "closed"
RESOLUTION_REJECTED = "reopened"
CANCELLED = "cancelled"
