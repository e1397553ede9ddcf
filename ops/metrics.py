"""Prometheus metrics: the registry /metrics renders, and the in-process metrics.

Two kinds of metric, read differently (README, "Metrics and health"):

* Counts that live in the database (messages by status, queue ages, open faults) are computed at
  scrape time by collectors: a class with ``collect()`` yielding metric families, registered with
  `register_collector`. Another module adds its own in its ``AppConfig.ready()``::

      from ops.metrics import register_collector
      register_collector(MyCollector())

  A collector runs on every scrape, in the web process: keep it to a few cheap queries.

* Events counted where they happen (requests, Celery tasks, deliveries) are prometheus_client
  counters and histograms. gunicorn and Celery run several processes, so with
  ``PROMETHEUS_MULTIPROC_DIR`` set (production) each process writes its values to a file there
  and /metrics sums the files (prometheus_client's multiprocess mode); without it each process
  shows only its own.
"""

import threading
from collections.abc import Iterable

from django.conf import settings
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.registry import Collector

# No `*_created` series beside each counter: Prometheus does not need them, they double the page.
disable_created_metrics()

_collectors: dict[str, Collector] = {}
_lock = threading.Lock()


def register_collector(collector: Collector, *, name: str | None = None) -> None:
    """Add a collector whose metrics /metrics shows from now on. Registering again under the
    same name (default: the collector's class path) replaces the earlier one, so calling this
    from ``ready()`` twice (tests, autoreload) does not show its metrics twice."""
    key = name or f"{type(collector).__module__}.{type(collector).__qualname__}"
    with _lock:
        _collectors[key] = collector


def registered_collectors() -> list[Collector]:
    with _lock:
        return list(_collectors.values())


def render() -> bytes:
    """The exposition text of every metric: the in-process ones (summed over every process when
    PROMETHEUS_MULTIPROC_DIR is set) and every registered collector's."""
    registry = CollectorRegistry(auto_describe=False)
    directory = getattr(settings, "PROMETHEUS_MULTIPROC_DIR", "")
    if directory:
        multiprocess.MultiProcessCollector(registry, path=directory)
    else:
        registry.register(_InProcess())
    for collector in registered_collectors():
        registry.register(collector)
    return generate_latest(registry)


class _InProcess:
    """This process's own metrics (no multiprocess directory)."""

    def collect(self) -> Iterable:
        for metric in _IN_PROCESS:
            yield from metric.collect()


# --- in-process metrics ------------------------------------------------------------------------
# Seconds, from a fast view to a slow partner.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_DELIVERY_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600)

HTTP_REQUESTS = Counter(
    "noc_http_requests",
    "Requests answered, by view (URL name), method and status code.",
    ["view", "method", "status"],
    registry=None,
)
HTTP_REQUEST_SECONDS = Histogram(
    "noc_http_request_duration_seconds",
    "Time to answer a request, by view (URL name).",
    ["view"],
    buckets=_LATENCY_BUCKETS,
    registry=None,
)
CELERY_TASKS = Counter(
    "noc_celery_tasks",
    "Celery tasks run, by task name and outcome (success, failure, retry).",
    ["task", "outcome"],
    registry=None,
)
CELERY_TASK_SECONDS = Histogram(
    "noc_celery_task_duration_seconds",
    "Time a Celery task ran, by task name.",
    ["task"],
    buckets=_LATENCY_BUCKETS,
    registry=None,
)
OUTBOUND_DELIVERY_SECONDS = Histogram(
    "noc_outbound_delivery_latency_seconds",
    "From an outbound message's creation to the partner's acceptance, by partner (slug).",
    ["partner"],
    buckets=_DELIVERY_BUCKETS,
    registry=None,
)

OUTBOUND_ATTEMPTS = Counter(
    "noc_outbound_attempts",
    "Calls to a partner and what came of them, by partner (slug) and outcome: delivered, "
    "retry (failed, another attempt planned), refused (a final 4xx), dead (attempts spent), "
    "credentials_refused (a 401: the partner is flagged).",
    ["partner", "outcome"],
    registry=None,
)


def outbound_attempt(partner: str, outcome: str, latency_seconds: float | None) -> None:
    """The outbox's record of a call (`integrations.outbox._record`, after its commit)."""
    OUTBOUND_ATTEMPTS.labels(partner, outcome).inc()
    if latency_seconds is not None:
        OUTBOUND_DELIVERY_SECONDS.labels(partner).observe(max(latency_seconds, 0.0))


_IN_PROCESS = (
    OUTBOUND_ATTEMPTS,
    HTTP_REQUESTS,
    HTTP_REQUEST_SECONDS,
    CELERY_TASKS,
    CELERY_TASK_SECONDS,
    OUTBOUND_DELIVERY_SECONDS,
)
