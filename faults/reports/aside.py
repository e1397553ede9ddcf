"""Run a report's independent query beside its others, on a second database connection.

A year's SLA dashboard at a million faults spends most of its time in PostgreSQL sorting the
times to repair twice (per row, and of all rows); on a second connection the two sorts run at
once, one per CPU, and the page waits for the larger one only (make bench, the annual review).

Only where it is safe:
- never inside a transaction (`in_atomic_block`): a second connection would not see what the
  transaction wrote (the tests run inside one), nor hold its snapshot; there everything runs on
  the caller's connection, one query after the other;
- one long-lived helper thread, whose connection is checked before and after each task as
  Django checks a request's (`close_if_unusable_or_obsolete`: closed when broken or past
  CONN_MAX_AGE, else kept for the next report, never one per call);
- in the caller's time zone (the queries may read it: faults.reports.daily.usable);
- the caller always waits for the task, even when it fails itself (`Aside.wait`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

from django.db import connections
from django.utils import timezone

from faults.reports.planner import without_jit

T = TypeVar("T")
_helpers: dict[int, ThreadPoolExecutor] = {}


def _helper() -> ThreadPoolExecutor:
    """This process's helper thread (a forked worker does not inherit its parent's thread, so
    an executor copied by fork would wait for it for ever)."""
    pid = os.getpid()
    if pid not in _helpers:
        _helpers.clear()
        _helpers[pid] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-aside")
    return _helpers[pid]


def can_run_aside(using: str) -> bool:
    """Whether a query may run on a second connection to `using`: PostgreSQL (SQLite writes
    and reads one file, and gains nothing), outside any transaction of the caller's."""
    connection = connections[using]
    return connection.vendor == "postgresql" and not connection.in_atomic_block


class Aside(Generic[T]):
    """`task` started on the helper thread's connection to `using`, or, when `concurrent` is
    False, run by `wait` on the caller's own connection."""

    def __init__(self, using: str, task: Callable[[], T], *, concurrent: bool) -> None:
        self._task = task
        self._done = False
        self._result: T | None = None
        self._future: Future[T] | None = None
        if concurrent:
            zone = timezone.get_current_timezone()
            self._future = _helper().submit(_on_helper_connection, using, zone, task)

    def wait(self) -> T:
        """The task's result (its exception, if it failed); the task runs once."""
        if not self._done:
            self._result = self._task() if self._future is None else self._future.result()
            self._done = True
        return self._result  # type: ignore[return-value]

    def cancel_or_wait(self) -> None:
        """Make sure the task no longer runs (when the caller failed before `wait`)."""
        if self._future is not None and not self._future.cancel():
            self._future.exception()


def _on_helper_connection(using: str, zone, task: Callable[[], T]) -> T:
    connection = connections[using]
    connection.close_if_unusable_or_obsolete()
    try:
        with timezone.override(zone), without_jit(using):
            return task()
    finally:
        connection.close_if_unusable_or_obsolete()


def close_connections() -> None:
    """Close the helper thread's connections now, if this process has one (e.g. before its
    database is dropped: tests/conftest.py does it after every test)."""
    helper = _helpers.get(os.getpid())
    if helper is not None:
        helper.submit(connections.close_all).result()
