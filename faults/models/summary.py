"""The SLA dashboard's weekly counts, kept per day by PostgreSQL itself (faults.reports.daily).

Rows are changes to a count: kind, local day (the site's time zone), supplier, priority and n,
how many faults more (or fewer) were raised (submitted), resolved (status resolved or closed,
by resolved time) and breached (SLA breached or missed, by the instant the target passed) that
day. Statement triggers on the fault table append each inserted, updated or deleted fault's new
part and take away its old part in the same transaction (migration 0022), so the sums are the
live queries' at every commit, whatever wrote the fault (a service, a bulk UPDATE, the bench's
INSERT ... SELECT). Rows are only ever appended, so no two writers wait on one counter; the
hourly task faults.tasks.compact_daily_fault_counts folds them into one row per key.
A year's weekly trends then read ~5 000 rows instead of three scans of ~100 000 faults.
"""

from django.db import models


class DailyFaultCount(models.Model):
    class Kind(models.TextChoices):
        RAISED = "raised", "Raised"
        RESOLVED = "resolved", "Resolved"
        BREACHED = "breached", "SLA breached"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    day = models.DateField(help_text="The local day (TIME_ZONE) of the fault's milestone.")
    # No foreign keys: the triggers write these rows, and a fault's delete takes its part away.
    supplier_id = models.BigIntegerField()
    priority = models.PositiveSmallIntegerField()
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = "daily fault count"
        indexes = [models.Index(fields=["day", "kind"], name="daily_fault_count_day")]

    def __str__(self) -> str:
        return f"{self.kind} {self.day} supplier {self.supplier_id} P{self.priority}: {self.n}"
