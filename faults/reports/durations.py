"""Wall-clock durations computed by the database, on PostgreSQL and on SQLite: the one
definition of a fault's clock time, which the SLA dashboard aggregates (time to repair) and the
fault page shows for the one fault (`faults.sla.wall_clock`), so the two always agree.

A fault's clock time runs from when it was raised (submitted; accepted for a fault without that
stamp) until the supplier's work ended (resolved, else closed, cancelled or rejected; `now` for
a fault not finished). Its time on hold is the part of that span its SLA pauses cover: a pause
is cut to the span (one still open, or stamped by the supplier's clock before the fault was
raised or after it was resolved, counts only within it).

Time to repair is wall-clock time on purpose. The SLA clock (`sla_elapsed_seconds`) counts the
policy's calendar, so under business hours a fault raised at 19:00 and fixed at 06:00 has
used no SLA time at all: as a "time to repair" it read 0 m, and a median of such faults sat at
0 m beside a mean of hours. Whether the SLA was kept is the SLA state's to say (met, missed,
breached), not the repair time's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import NotSupportedError
from django.db.models import (
    DateTimeField,
    Expression,
    F,
    FloatField,
    Func,
    OuterRef,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least

from faults.models import SlaPause

# The fault's own columns (F) or, inside a subquery over its pauses, the outer fault's (OuterRef).
Column = Callable[[str], Any]
NO_TIME = Value(0.0)


class SecondsBetween(Func):
    """Seconds from `start` to `end` (two datetime expressions), as a float."""

    output_field = FloatField()

    def __init__(self, start: Any, end: Any, **extra: Any) -> None:
        super().__init__(end, start, **extra)  # rendered as "end - start"

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError(f"SecondsBetween has no SQL for {connection.vendor}.")

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(EXTRACT(EPOCH FROM (%(expressions)s)) AS double precision)",
            arg_joiner=" - ",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django stores datetimes as UTC text that julianday() reads; days to seconds, rounded
        # to the millisecond that a day count in a double can carry.
        return super().as_sql(
            compiler,
            connection,
            template="ROUND((julianday(%(expressions)s)) * 86400.0, 3)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def raised_at(column: Column = F) -> Expression:
    """When the fault went to the supplier (its acceptance for a fault without that stamp)."""
    return Coalesce(column("submitted_at"), column("accepted_at"), output_field=DateTimeField())


def ended_at(column: Column = F, *, now: datetime | None = None) -> Expression:
    """When the supplier's work on the fault ended; `now` (when given) for one not finished."""
    ends = [column(name) for name in ("resolved_at", "closed_at", "cancelled_at", "rejected_at")]
    if now is not None:
        ends.append(Value(now, output_field=DateTimeField()))
    return Coalesce(*ends, output_field=DateTimeField())


def clock_seconds(*, now: datetime | None = None) -> Expression:
    """From raised to ended, on hold included (never below zero)."""
    return Greatest(SecondsBetween(raised_at(), ended_at(now=now)), NO_TIME)


def hold_seconds(*, now: datetime | None = None) -> Expression:
    """The part of `clock_seconds` the fault spent on hold: each SLA pause cut to the span from
    raised to ended (one still open runs to the end)."""
    start, end = raised_at(OuterRef), ended_at(OuterRef, now=now)
    within = SecondsBetween(
        Greatest(F("started_at"), start, output_field=DateTimeField()),
        Least(Coalesce(F("ended_at"), end), end, output_field=DateTimeField()),
    )
    pauses = (
        SlaPause.objects.filter(fault_id=OuterRef("pk"))
        .order_by()
        .values("fault_id")
        .annotate(seconds=Sum(Greatest(within, NO_TIME)))
        .values("seconds")
    )
    return Coalesce(Subquery(pauses, output_field=FloatField()), NO_TIME)


# The dashboard's time to repair: the clock time of a resolved fault (it ended when resolved).
def repair_seconds() -> Expression:
    """From raised to resolved, on hold included."""
    return clock_seconds()


def repair_without_hold_seconds() -> Expression:
    return clock_seconds() - hold_seconds()
