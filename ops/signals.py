"""Celery task metrics and the sweeps' last runs, from Celery's signals (connected in
`OpsConfig.ready`, so in every worker process)."""

import logging
import time

from celery.signals import task_postrun, task_prerun
from django.utils import timezone

from ops.health import record_sweep_run, sweep_tasks
from ops.metrics import CELERY_TASK_SECONDS, CELERY_TASKS

logger = logging.getLogger(__name__)

_started: dict[str, float] = {}


@task_prerun.connect(dispatch_uid="ops.task_prerun")
def _task_started(task_id: str | None = None, **kwargs: object) -> None:
    if task_id:
        _started[task_id] = time.perf_counter()


@task_postrun.connect(dispatch_uid="ops.task_postrun")
def _task_finished(
    task_id: str | None = None, task=None, state: str | None = None, **kwargs: object
) -> None:
    name = getattr(task, "name", None) or "unknown"
    started = _started.pop(task_id, None) if task_id else None
    try:
        CELERY_TASKS.labels(name, (state or "unknown").lower()).inc()
        if started is not None:
            CELERY_TASK_SECONDS.labels(name).observe(time.perf_counter() - started)
        if state == "SUCCESS" and name in sweep_tasks():
            record_sweep_run(name, timezone.now())
    except Exception:  # metrics never fail a task
        logger.warning("could not record the metrics of task %s", name, exc_info=True)
