"""The Celery application. Configuration comes from Django settings (``CELERY_*``)."""

import os

from celery import Celery
from celery.signals import worker_process_init

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
