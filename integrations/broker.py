"""Publishing to the broker is an optimisation, never the source of truth: the rows are. If
the broker is down the publish fails fast, is logged, and the periodic sweep sends the task
later (design §7: Celery's own publish retry would hold the request and still lose it)."""

import logging

from celery import Task

logger = logging.getLogger(__name__)


def publish(task: Task, *args: object) -> bool:
    try:
        task.apply_async(args=args, retry=False)
    except Exception:
        logger.warning(
            "Broker unavailable: %s%r left for the sweep.", task.name, args, exc_info=True
        )
        return False
    return True
