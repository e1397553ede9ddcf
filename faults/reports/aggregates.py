"""Percentiles computed by the database, on PostgreSQL and on SQLite.

PostgreSQL has the ordered-set aggregate `percentile_cont(f) WITHIN GROUP (ORDER BY x)`;
SQLite has none, so there the same continuous percentile is found with window functions: one
query per fraction numbers the rows of each group in value order and returns only the (at most
two) rows around the percentile's position, which are then interpolated. Either way the number
of queries depends on the fractions asked for, never on the number of rows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import (
    Aggregate,
    Count,
    Expression,
    F,
    FloatField,
    IntegerField,
    QuerySet,
    Window,
)
from django.db.models.functions import Cast, RowNumber

GroupKey = tuple[Any, ...]


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile: `percentile_cont(0.9) WITHIN GROUP (ORDER BY x)`."""

    function = "percentile_cont"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: str | Expression, *, fraction: float, **extra: Any) -> None:
        fraction = float(fraction)
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("A percentile fraction lies between 0 and 1.")
        # A float formatted by repr() is a plain SQL numeric literal: nothing user-given.
        super().__init__(expression, fraction=repr(fraction), **extra)


def interpolate(values_at: dict[int, float], *, count: int, fraction: float) -> float | None:
    """The continuous percentile (as percentile_cont) from the values at the 0-based positions
    floor(f·(n-1)) and the one after it in ascending order."""
    if count == 0:
        return None
    position = fraction * (count - 1)
    low = math.floor(position)
    low_value = values_at[low]
    if low + 1 >= count or position == low:
        return float(low_value)
    return float(low_value + (values_at[low + 1] - low_value) * (position - low))


def _uses_postgres(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def group_percentiles(
    queryset: QuerySet,
    *,
    value: str | Expression,
    group_by: Sequence[str],
    fractions: Sequence[float],
) -> dict[GroupKey, dict[float, float | None]]:
    """Percentiles of `value` over the rows of `queryset`, per group of `group_by` fields
    (all rows as one group, keyed `()`, when `group_by` is empty)."""
    if _uses_postgres(queryset):
        return _postgres(queryset, value=value, group_by=group_by, fractions=fractions)
    return _windowed(queryset, value=value, group_by=group_by, fractions=fractions)


def _postgres(
    queryset: QuerySet,
    *,
    value: str | Expression,
    group_by: Sequence[str],
    fractions: Sequence[float],
) -> dict[GroupKey, dict[float, float | None]]:
    aggregates = {f"p{i}": PercentileCont(value, fraction=f) for i, f in enumerate(fractions)}
    base = queryset.order_by()
    if not group_by:
        row = base.aggregate(**aggregates)
        return {(): {f: row[f"p{i}"] for i, f in enumerate(fractions)}}
    rows = base.values(*group_by).annotate(**aggregates)
    return {
        tuple(row[g] for g in group_by): {f: row[f"p{i}"] for i, f in enumerate(fractions)}
        for row in rows
    }


def _windowed(
    queryset: QuerySet,
    *,
    value: str | Expression,
    group_by: Sequence[str],
    fractions: Sequence[float],
) -> dict[GroupKey, dict[float, float | None]]:
    value_expr = F(value) if isinstance(value, str) else value
    partition = [F(g) for g in group_by] or None
    numbered = queryset.order_by().annotate(
        _pct_value=value_expr,
        _pct_n=Window(Count("pk"), partition_by=partition),
        _pct_pos=Window(RowNumber(), partition_by=partition, order_by=F("_pct_value").asc()) - 1,
    )
    result: dict[GroupKey, dict[float, float | None]] = defaultdict(dict)
    for fraction in fractions:
        # The 0-based position floor(f·(n-1)); the filter keeps it and the row after it.
        low = _floor(Cast(F("_pct_n") - 1, FloatField()) * fraction)
        rows = numbered.filter(_pct_pos__gte=low, _pct_pos__lte=low + 1).values_list(
            *group_by, "_pct_n", "_pct_pos", "_pct_value"
        )
        found: dict[GroupKey, tuple[int, dict[int, float]]] = {}
        for *key, count, pos, val in rows:
            found.setdefault(tuple(key), (count, {}))[1][pos] = val
        for key, (count, values_at) in found.items():
            result[key][fraction] = interpolate(values_at, count=count, fraction=fraction)
    return dict(result)


def _floor(expression: Expression) -> Expression:
    """floor() for a non-negative value: CAST(x AS INTEGER) truncates towards zero."""
    return Cast(expression, IntegerField())
