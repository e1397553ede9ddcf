"""Reports read many rows once: PostgreSQL's JIT compiler costs them more than it saves.

The planner compiles a query to machine code when its estimated cost passes `jit_above_cost`
(and optimises and inlines it past `jit_optimize_above_cost`). A report's cost estimate is high
because it reads a year of faults with a subquery per fault (their SLA pauses), yet the query
itself runs in a fraction of a second: over a year at 1 000 000 faults the dashboard's time to
repair spent 2.8 s of 3.8 s compiling (EXPLAIN ANALYZE, "JIT: ... Total 2784 ms"), and every
query of it paid that again. `without_jit` turns JIT off for the report's own transaction only.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections, transaction


@contextmanager
def without_jit(using: str) -> Iterator[None]:
    """Run the block's queries on `using` without JIT (PostgreSQL; elsewhere it does nothing)."""
    if connections[using].vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=using):
        with connections[using].cursor() as cursor:
            # Local to the transaction, and put back after the block in case this one is a
            # savepoint of a longer transaction: the connection's other queries keep JIT.
            cursor.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
            before = cursor.fetchone()[0]
        try:
            yield
        finally:
            with connections[using].cursor() as cursor:
                cursor.execute("SELECT set_config('jit', %s, true)", [before])
