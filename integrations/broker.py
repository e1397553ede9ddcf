"""Publishing to the broker is an optimisation, never the source of truth: the rows are. If
the broker is down the publish fails fast, is logged, and the periodic sweep sends the task
later (design §7: Celery's own publish retry would hold the request and still lose it)."""

import atexit
import contextvars
import logging
import os
import queue
import threading

from celery import Task

logger = logging.getLogger(__name__)


def publish(task: Task, *args: object, producer: object = None) -> bool:
    try:
        task.apply_async(args=args, retry=False, producer=producer)
    except Exception:
        logger.warning(
            "Broker unavailable: %s%r left for the sweep.", task.name, args, exc_info=True
        )
        return False
    return True


class _BackgroundPublisher:
    """Publishes in a thread of this process, so that a request answers without waiting for the
    broker (the webhook's acknowledgement: about 1.7 ms of its 16 on a loaded machine, the one
    round trip it has that the bare insert has not). What is queued here is already committed:
    if the broker is down, or the process ends before the thread got to it, the row waits for
    the sweep, as when a publish fails in the request. The thread takes what has queued up in one
    go, over one broker connection, and keeps the caller's context (the request id in the task's
    headers). One thread per process, started by the first message (after a fork, again)."""

    def __init__(self, *, capacity: int) -> None:
        self._capacity = capacity
        self._lock = threading.Lock()
        self._pid = 0
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._full_reported = False
        self._flushed = threading.Event()

    def submit(self, task: Task, args: tuple[object, ...]) -> None:
        if os.getpid() != self._pid:
            self._start()
        if self._queue.qsize() >= self._capacity:
            # The broker has been away for a while: the sweep sends what is left out.
            if not self._full_reported:
                self._full_reported = True
                logger.warning(
                    "Background publishing is %s behind: left for the sweep.", self._capacity
                )
            return
        self._queue.put((contextvars.copy_context(), task, args))

    def _start(self) -> None:
        with self._lock:
            if os.getpid() == self._pid:
                return
            self._pid = os.getpid()
            self._queue = queue.SimpleQueue()
            self._thread = threading.Thread(target=self._run, name="broker-publisher", daemon=True)
            self._thread.start()
            atexit.register(self.flush)

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._publish(batch)
            self._full_reported = False

    def _publish(self, batch: list) -> None:
        todo = [item for item in batch if item is not None]
        try:
            if not todo:
                return
            with todo[0][1].app.producer_or_acquire() as producer:
                for context, task, args in todo:
                    if not context.run(publish, task, *args, producer=producer):
                        return  # the broker is away: the rest waits for the sweep as well
        except Exception:  # no connection to be had: logged as a failed publish would be
            logger.warning(
                "Broker unavailable: %s messages left for the sweep.", len(todo), exc_info=True
            )
        finally:
            for item in batch:
                if item is None:
                    self._flushed.set()

    def flush(self, timeout: float = 5.0) -> None:
        """Publish what is queued before the process ends (gunicorn's graceful stop, a worker's
        exit): up to `timeout` seconds; what is left then waits for the sweep."""
        if self._thread is None or os.getpid() != self._pid or not self._thread.is_alive():
            return
        self._flushed = threading.Event()
        self._queue.put(None)
        self._flushed.wait(timeout)


_background = _BackgroundPublisher(capacity=10_000)


def publish_in_background(task: Task, *args: object) -> None:
    """`publish`, after the caller's answer (see `_BackgroundPublisher`); at once when tasks run
    eagerly (tests that run a published task in place, in the caller's transaction)."""
    if task.app.conf.task_always_eager:
        publish(task, *args)
        return
    _background.submit(task, args)
