"""A task for tests that need a pool process busy (tests/spine/test_worker_shutdown.py): a
worker loads it with `--include tests.celery_tasks`."""

import time

from config.celery import app


@app.task(name="tests.nap")
def nap(seconds: float) -> str:
    time.sleep(seconds)
    return "rested"
