"""Wall-clock durations computed by the database, on PostgreSQL and on SQLite: the time a fault
took from being raised to being resolved, and the part of it spent on hold.

Time to repair is wall-clock time on purpose. The SLA clock (`sla_elapsed_seconds`) counts the
policy's calendar, so under business hours a fault raised at 19:00 and fixed at 06:00 has
used no SLA time at all: as a "time to repair" it read 0 m, and a median of such faults sat at
0 m beside a mean of hours. Whether the SLA was kept is the SLA state's to say (met, missed,
breached), not the repair time's.
"""

from __future__ import annotations

from typing import Any

from django.db import NotSupportedError
from django.db.models import Expression, F, FloatField, Func, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from faults.models import SlaPause


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


def raised_at() -> Expression:
    """When the fault went to the supplier (its acceptance for a fault without that stamp)."""
    return Coalesce(F("submitted_at"), F("accepted_at"), F("resolved_at"))


def repair_seconds() -> Expression:
    """From raised to resolved, on hold included."""
    return SecondsBetween(raised_at(), F("resolved_at"))


def hold_seconds() -> Expression:
    """Wall-clock time the fault spent on hold (its SLA pauses; one still open counts up to
    the resolution)."""
    pauses = (
        SlaPause.objects.filter(fault_id=OuterRef("pk"))
        .order_by()
        .values("fault_id")
        .annotate(
            seconds=Sum(
                SecondsBetween(F("started_at"), Coalesce(F("ended_at"), OuterRef("resolved_at")))
            )
        )
        .values("seconds")
    )
    return Coalesce(Subquery(pauses, output_field=FloatField()), Value(0.0))


def repair_without_hold_seconds() -> Expression:
    return repair_seconds() - hold_seconds()
