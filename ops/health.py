"""Liveness and readiness checks (/healthz, /readyz). Each is cheap enough to be polled every
second: `SELECT 1`, a Redis PING on a kept connection with a short timeout, and one read of the
sweeps' last runs (a row per beat task)."""

import contextlib
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.schedules import maybe_schedule
from django.conf import settings
from django.db import connection
from django.utils import timezone

from ops.models import SweepRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sweep:
    """A beat entry of the spine's schedule (settings.CELERY_BEAT_SCHEDULE)."""

    entry: str
    task: str
    schedule: object  # a celery schedule (interval or crontab)


def sweeps() -> list[Sweep]:
    return [
        Sweep(entry=name, task=entry["task"], schedule=maybe_schedule(entry["schedule"]))
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
    ]


def sweep_tasks() -> frozenset[str]:
    return frozenset(entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values())


def record_sweep_run(task: str, at: datetime) -> None:
    """One statement: the task's row, created or moved on (INSERT … ON CONFLICT UPDATE)."""
    SweepRun.objects.bulk_create(
        [SweepRun(task=task, last_run_at=at, watched_since=at)],
        update_conflicts=True,
        unique_fields=["task"],
        update_fields=["last_run_at"],
    )


def check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception as exc:  # any failure to reach it is "not ready"; the log says which
        # One line, no traceback: polled every second, an outage would flood the log.
        logger.warning("readiness: the database did not answer: %s", _one_line(exc))
        _drop_broken_connection()
        return False


def _one_line(exc: Exception) -> str:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _drop_broken_connection() -> None:
    with contextlib.suppress(Exception):
        connection.close()


_redis_clients: dict[str, object] = {}
_redis_lock = threading.Lock()


def _redis_client(url: str):
    import redis

    with _redis_lock:
        client = _redis_clients.get(url)
        if client is None:
            timeout = settings.READYZ_BROKER_TIMEOUT
            client = redis.Redis.from_url(
                url, socket_connect_timeout=timeout, socket_timeout=timeout
            )
            _redis_clients[url] = client
        return client


def check_broker() -> bool:
    url = settings.CELERY_BROKER_URL
    try:
        if url.startswith(("redis://", "rediss://")):
            return bool(_redis_client(url).ping())
        from config.celery import app

        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.READYZ_BROKER_TIMEOUT)
        return True
    except Exception as exc:
        logger.warning("readiness: the broker did not answer: %s", _one_line(exc))
        return False


def overdue_sweeps(now: datetime | None = None) -> list[str]:
    """The beat entries whose task has not finished a run for longer than its schedule allows
    plus READYZ_SWEEP_GRACE_SECONDS (or one more period, if that is longer). A task that has
    never run is measured from when readiness first looked for it."""
    now = now or timezone.now()
    planned = sweeps()
    runs = {run.task: run for run in SweepRun.objects.filter(task__in={s.task for s in planned})}
    missing = {s.task for s in planned} - set(runs)
    if missing:
        SweepRun.objects.bulk_create(
            [SweepRun(task=task, watched_since=now) for task in sorted(missing)],
            ignore_conflicts=True,
        )
        runs.update({run.task: run for run in SweepRun.objects.filter(task__in=missing)})
    grace = timedelta(seconds=settings.READYZ_SWEEP_GRACE_SECONDS)
    late = []
    for sweep in planned:
        run = runs[sweep.task]
        since = run.last_run_at or run.watched_since
        period = getattr(sweep.schedule, "run_every", None)
        if period is not None:  # every N seconds: one more period of slack
            due, allowed = since + period, max(grace, period)
        else:  # a crontab: its next time after the last run
            due, allowed = now + sweep.schedule.remaining_estimate(since), grace
        if now > due + allowed:
            late.append(sweep.entry)
    return late
