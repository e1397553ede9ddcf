"""A resolved fault's time to repair, kept on its row by PostgreSQL (Fault.repair_seconds and
Fault.repair_hold_seconds), so that the SLA dashboard's percentiles read two narrow columns of
a covering index instead of computing every fault's durations and joining its pauses on every
view (over a year at 1 000 000 faults, most of the annual review's time in `make bench`).

The triggers (migration faults/0023, whose SQL is frozen there) compute the figures with the
expressions of `faults.reports.durations` as the dashboard used them, so the figures did not
change: on every write of a resolved or closed fault with a resolved time that lists one of the
figures' inputs (status, the resolved, submitted or accepted time, or the figures themselves:
migration 0024; a Django save() lists every column), and when one of its SLA pauses is added,
changed or removed; a write that takes the fault out of those statuses (a
reopen) clears them, and the next resolution computes them again. Triggers rather than the
services, because the figures must hold whoever writes the row: the state machine, the SLA
sweep, a data fix or the benchmark's generated history. An instance saved by Django may keep a
stale value (the trigger changed the row, not the instance): read them from the database.

Other databases (SQLite for `make run`) have no triggers: there the columns stay empty and the
dashboard computes each fault's durations itself, as it always did.
"""

from __future__ import annotations

from django.db import connections


def stored(using: str = "default") -> bool:
    """Whether the database keeps the times to repair on the fault rows (PostgreSQL)."""
    return connections[using].vendor == "postgresql"
