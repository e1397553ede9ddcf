"""The Celery application. Configuration comes from Django settings (``CELERY_*``)."""

import os

from celery import Celery
from celery.signals import (
    before_task_publish,
    setup_logging,
    task_postrun,
    task_prerun,
    worker_process_init,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("noc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _pool_process_in_its_own_group(**kwargs: object) -> None:
    """Take each pool process out of the worker's process group.

    honcho (`make run`), like other supervisors, stops a process by signalling its whole group:
    the pool processes got SIGTERM beside the worker and died under it, which the worker logged
    as errors ("Process 'ForkPoolWorker-1' … exited with 'signal 15 (SIGTERM)'") and which killed
    any task they were running. In their own groups only the worker hears the signal and stops
    them itself after their current task (warm shutdown). They still die with the worker if it
    is killed (Celery sets their parent-death signal), and billiard kills a pool process that is
    a group leader by its group on a hard time limit."""
    if hasattr(os, "setpgid"):
        os.setpgid(0, 0)


@task_postrun.connect
def _close_unusable_database_connections(sender: object = None, **kwargs: object) -> None:
    """What Django does after each request, after each task: a connection that had an error and
    no longer answers, is left in a transaction, or is older than CONN_MAX_AGE is closed (the
    next task opens a new one). Celery's own fixup closes them every time only without
    CELERY_DB_REUSE_MAX (config/settings.py). Not for a task run eagerly, inside its caller's
    transaction (the fixup leaves those alone too)."""
    from django.db import close_old_connections

    if not getattr(getattr(sender, "request", None), "is_eager", False):
        close_old_connections()


@setup_logging.connect
def _logging_as_settings_say(**kwargs: object) -> None:
    """The worker logs as the web processes do (settings.LOGGING: JSON in production, key=value
    in development, the task's fields on each line) instead of Celery's own format and handler.
    A receiver here is what stops Celery from configuring the root logger itself."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@before_task_publish.connect
def _pass_the_request_id(headers: dict | None = None, **kwargs: object) -> None:
    """A task published while serving a request carries the request's id (a message header)."""
    from config.logs import request_id

    current = request_id()
    if current and headers is not None:
        headers.setdefault("request_id", current)


@task_prerun.connect
def _bind_task_to_log_lines(task_id: str = "", task: object = None, **kwargs: object) -> None:
    from config.logs import enter_task

    request = getattr(task, "request", None)
    enter_task(
        task_id,
        task=getattr(task, "name", None),
        task_id=task_id,
        request_id=getattr(request, "request_id", None),
    )


@task_postrun.connect
def _unbind_task_from_log_lines(task_id: str = "", **kwargs: object) -> None:
    from config.logs import leave_task

    leave_task(task_id)
