"""The SLA dashboard's weekly trends from the per-day counts (faults.models.DailyFaultCount)
that PostgreSQL keeps with statement triggers on the fault table, instead of three scans of
every fault of the period (over a year at 1 000 000 faults: ~110 000 rows each, most of the
annual review's time in `make bench`).

The triggers count in the site's time zone (settings.TIME_ZONE, fixed when they are installed):
a local day lies in the period exactly when the instant does (start <= t < end are local
midnights), and date_trunc('week', day) is the week TruncWeek gives the instant. The counts
serve every filter of the dashboard (period, supplier, priority); where they cannot (not
PostgreSQL, or a request in another time zone) `weekly_counts` gives None and the dashboard
counts the faults themselves (faults.reports.trends).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import connections
from django.utils import timezone

from faults.choices import FaultStatus, SlaState
from faults.models import DailyFaultCount, Fault
from faults.reports.filters import DashboardFilters

Kind = DailyFaultCount.Kind
TABLE = DailyFaultCount._meta.db_table
FAULTS = Fault._meta.db_table
FUNCTION = "faults_daily_fault_counts"
_RESOLVED = (FaultStatus.RESOLVED, FaultStatus.CLOSED)  # faults.reports.dashboard's
_BREACHED = (SlaState.BREACHED, SlaState.MISSED)  # faults.reports.trends' BREACH_STATES


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def parts_of(rows: str, sign: int, zone: str = "zone") -> str:
    """SELECT each counted part of the faults in `rows` (a table name): kind, local day,
    supplier, priority and `sign`. `zone` is an SQL expression naming the time zone."""
    return f"""
      SELECT '{Kind.RAISED}' AS kind, (submitted_at AT TIME ZONE {zone})::date AS day,
             supplier_id, priority, {sign} AS n
      FROM {rows} WHERE submitted_at IS NOT NULL
      UNION ALL
      SELECT '{Kind.RESOLVED}', (resolved_at AT TIME ZONE {zone})::date, supplier_id, priority,
             {sign}
      FROM {rows} WHERE resolved_at IS NOT NULL AND status IN ({_quoted(_RESOLVED)})
      UNION ALL
      SELECT '{Kind.BREACHED}', (sla_due_at AT TIME ZONE {zone})::date, supplier_id, priority,
             {sign}
      FROM {rows} WHERE sla_due_at IS NOT NULL AND sla_state IN ({_quoted(_BREACHED)})"""


def _append(parts: str) -> str:
    """INSERT the net change of `parts` per key (nothing for a key whose parts cancel out, as
    an UPDATE that moves no milestone does)."""
    return f"""
    INSERT INTO {TABLE} (kind, day, supplier_id, priority, n)
    SELECT kind, day, supplier_id, priority, sum(n) FROM ({parts}) AS parts
    GROUP BY kind, day, supplier_id, priority HAVING sum(n) <> 0"""


# The fault columns `parts_of` reads: an UPDATE that changes none of them (most do: a supplier's
# note, the SLA clock's figures, an owner) changes no count, and the UPDATE branch returns before
# counting (0.3-0.4 ms of PostgreSQL's time on each one-row UPDATE otherwise, `make bench`'s
# apply part writing a fault once per notification).
COUNTED_COLUMNS = (
    "submitted_at",
    "resolved_at",
    "status",
    "sla_due_at",
    "sla_state",
    "supplier_id",
    "priority",
)


def _moved(old: str, new: str) -> str:
    """True when the rows of `new` differ from those of `old` in a counted column, as a
    multiset: the counts depend on nothing else, so rows that only swapped values change no
    count either. EXCEPT ALL hashes or sorts (linear: ~11 ms at 5 000 rows, 0.04 ms at one);
    a join of the transition tables on id, which have no index, was quadratic (4.3 s at 5 000
    rows, an SLA sweep's batch)."""
    columns = ", ".join(COUNTED_COLUMNS[:4]) + ",\n  " + ", ".join(COUNTED_COLUMNS[4:])
    return f"EXISTS (SELECT {columns} FROM {new}\nEXCEPT ALL SELECT {columns} FROM {old})"


def install_sql() -> list[str]:
    """The trigger function and the fault table's triggers (the zone is the trigger's
    argument: settings.TIME_ZONE when installed)."""
    zone = settings.TIME_ZONE.replace("'", "")
    function = f"""
    CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $body$
    DECLARE
      zone text := TG_ARGV[0];
    BEGIN
      IF TG_OP = 'INSERT' THEN
        {_append(parts_of("new_rows", 1))};
      ELSIF TG_OP = 'UPDATE' THEN
        IF {_moved("old_rows", "new_rows")} THEN
        {_append(parts_of("new_rows", 1) + " UNION ALL " + parts_of("old_rows", -1))};
        END IF;
      ELSIF TG_OP = 'DELETE' THEN
        {_append(parts_of("old_rows", -1))};
      ELSIF TG_OP = 'TRUNCATE' THEN
        DELETE FROM {TABLE};
      END IF;
      RETURN NULL;
    END
    $body$"""
    triggers = [
        ("insert", "AFTER INSERT", "REFERENCING NEW TABLE AS new_rows"),
        ("update", "AFTER UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("delete", "AFTER DELETE", "REFERENCING OLD TABLE AS old_rows"),
        ("truncate", "AFTER TRUNCATE", ""),
    ]
    return [
        function,
        *(f"DROP TRIGGER IF EXISTS {FUNCTION}_{name} ON {FAULTS}" for name, _, _ in triggers),
        *(
            f"CREATE TRIGGER {FUNCTION}_{name} {when} ON {FAULTS} {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}('{zone}')"
            for name, when, referencing in triggers
        ),
    ]


UNINSTALL_SQL = [
    *(
        f"DROP TRIGGER IF EXISTS {FUNCTION}_{name} ON {FAULTS}"
        for name in ("insert", "update", "delete", "truncate")
    ),
    f"DROP FUNCTION IF EXISTS {FUNCTION}()",
]


def install(using: str = "default") -> None:
    """(Re)install the triggers in the current settings.TIME_ZONE and count every fault again
    (after a change of TIME_ZONE; the migration does it once)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for sql in install_sql():
            cursor.execute(sql)
        cursor.execute(f"DELETE FROM {TABLE}")
        zone = settings.TIME_ZONE.replace("'", "")
        cursor.execute(_append(parts_of(FAULTS, 1, zone=f"'{zone}'")))


_COMPACT = f"""
WITH gone AS (DELETE FROM {TABLE} RETURNING kind, day, supplier_id, priority, n)
INSERT INTO {TABLE} (kind, day, supplier_id, priority, n)
SELECT kind, day, supplier_id, priority, sum(n) FROM gone
GROUP BY kind, day, supplier_id, priority HAVING sum(n) <> 0
"""


def compact(using: str = "default") -> int:
    """Fold the counts' rows into one per key (dropping keys that sum to nothing); the rows
    triggers append meanwhile are not seen and stay. Returns the rows left."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_COMPACT)
        return cursor.rowcount


def usable(using: str = "default") -> bool:
    """Whether the per-day counts can serve the dashboard: PostgreSQL, in the time zone the
    triggers count in."""
    return (
        connections[using].vendor == "postgresql"
        and timezone.get_current_timezone_name() == settings.TIME_ZONE
    )


def weekly_counts(filters: DashboardFilters) -> dict[str, dict[date, int]] | None:
    """Per kind (DailyFaultCount.Kind), the count per week (its Monday) of the period's days,
    for the filters' supplier and priority; None where the counts cannot serve them."""
    if not usable(Fault.objects.db):
        return None
    where = ["day >= %s", "day <= %s"]
    params: list = [filters.date_from, filters.date_to]
    if filters.supplier is not None:
        where.append("supplier_id = %s")
        params.append(filters.supplier.pk)
    if filters.priority is not None:
        where.append("priority = %s")
        params.append(filters.priority)
    sql = f"""
    SELECT kind, date_trunc('week', day)::date AS week, sum(n) FROM {TABLE}
    WHERE {" AND ".join(where)} GROUP BY kind, week"""
    found: dict[str, dict[date, int]] = {kind: {} for kind in Kind.values}
    with connections[Fault.objects.db].cursor() as cursor:
        cursor.execute(sql, params)
        for kind, week, n in cursor.fetchall():
            if n:
                found[kind][week] = int(n)
    return found
