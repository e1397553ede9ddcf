"""Periodic work, run by Celery beat (config/settings.py CELERY_BEAT_SCHEDULE), and the bulk
actions too long to apply inside a request."""

from celery import shared_task

from faults.exceptions.services import exceptions_sweep
from faults.reports import daily
from faults.services import faults_auto_close_due
from faults.services.bulk import bulk_run_apply, bulk_runs_resume
from faults.services.digests import work_digests_send
from faults.sla import faults_sla_sweep


@shared_task(name="faults.tasks.auto_close_resolved_faults")
def auto_close_resolved_faults() -> int:
    return faults_auto_close_due()


@shared_task(name="faults.tasks.sweep_sla")
def sweep_sla(full: bool = False) -> int:
    return faults_sla_sweep(full=full)


@shared_task(name="faults.tasks.sweep_exceptions")
def sweep_exceptions() -> dict[str, int]:
    result = exceptions_sweep()
    return {"raised": result.raised, "solved": result.solved}


@shared_task(name="faults.tasks.send_work_digests")
def send_work_digests() -> int:
    return work_digests_send()


@shared_task(name="faults.tasks.apply_bulk_run")
def apply_bulk_run(run_id: int) -> dict[str, int]:
    """Apply a bulk run's pending faults; delivered twice, it applies none of them twice."""
    return bulk_run_apply(run_id=run_id)


@shared_task(name="faults.tasks.resume_bulk_runs")
def resume_bulk_runs() -> int:
    return bulk_runs_resume()


@shared_task(name="faults.tasks.compact_daily_fault_counts")
def compact_daily_fault_counts() -> int:
    """Fold the dashboard's per-day counts into one row per key (faults.reports.daily)."""
    return daily.compact()
