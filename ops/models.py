from django.db import models


class SweepRun(models.Model):
    """When a beat sweep's task last finished without an error, for /readyz ("no sweep
    overdue"). Written by the worker after each run of a task in CELERY_BEAT_SCHEDULE
    (`ops.signals`); one row per task name."""

    task = models.CharField(max_length=200, unique=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    watched_since = models.DateTimeField(
        help_text="When readiness first looked for the task: a sweep that never ran is overdue "
        "from here."
    )

    def __str__(self) -> str:
        return f"{self.task} (last run {self.last_run_at})"
