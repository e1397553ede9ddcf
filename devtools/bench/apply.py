"""The apply benchmark (issue 17): how fast real Celery workers apply the notifications the
webhook acknowledged, with 1, 2 and 4 worker processes against the same PostgreSQL and Redis,
set against the webhook's ingest rate; and whether every message was applied exactly once and
in order per fault.

A backlog is what a burst leaves: messages stored through the webhook's own code (each one
queues its task on commit as under gunicorn, or not when its fault has one queued already)
while no worker runs; then a worker starts and drains it. The time runs from the first task the
worker takes (the queue shortens) to the queue empty with every message applied, so the worker's
start-up (a few seconds of imports) is left out, as gunicorn's is from the ingest figure, and
every task queued is paid for.

Checked after every drain, from the database:

* exactly once: a trigger (created by the benchmark in its own database) logs every UPDATE
  that marks a message applied; each message of the backlog must be logged exactly once, and
  none may be left waiting or failed;
* in order per fault: each message adds one entry to its fault's updates list ("… (message
  n)"), stored in the transaction that applies it; per fault, the entries' insertion order must
  be the order the messages were stored in; and no "older status ignored" event may appear (a
  later message applied first makes the earlier one's status stale).
"""

import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TextIO

from django.db import connection
from django.db.models import Max

from faults.choices import EventKind
from faults.models import Fault, FaultEvent, FaultUpdate
from integrations.choices import InboundStatus
from integrations.models import InboundMessage, Partner

LOG_TABLE = "bench_apply_log"
QUEUE = "celery"  # Celery's default queue, a Redis list
UNACKED = "unacked"  # kombu's Redis transport: the tasks taken but not acknowledged (acks late)
_TRIGGER = "bench_apply_log_trigger"
_FUNCTION = "bench_apply_log_row"


def install_apply_log() -> None:
    """Log every UPDATE that marks an inbound message applied (a table and a trigger in this
    database; for benchmarks and tests only)."""
    inbound = InboundMessage._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {LOG_TABLE} (id bigserial PRIMARY KEY, "
            "inbound_id bigint NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())"
        )
        cursor.execute(
            f"CREATE OR REPLACE FUNCTION {_FUNCTION}() RETURNS trigger AS $$ BEGIN "
            f"INSERT INTO {LOG_TABLE} (inbound_id) VALUES (NEW.id); RETURN NULL; END $$ "
            "LANGUAGE plpgsql"
        )
        cursor.execute(f"DROP TRIGGER IF EXISTS {_TRIGGER} ON {inbound}")
        cursor.execute(
            f"CREATE TRIGGER {_TRIGGER} AFTER UPDATE OF status ON {inbound} FOR EACH ROW "
            f"WHEN (NEW.status = '{InboundStatus.APPLIED}') EXECUTE FUNCTION {_FUNCTION}()"
        )


def remove_apply_log() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER IF EXISTS {_TRIGGER} ON {InboundMessage._meta.db_table}")
        cursor.execute(f"DROP FUNCTION IF EXISTS {_FUNCTION}()")
        cursor.execute(f"DROP TABLE IF EXISTS {LOG_TABLE}")


@dataclass
class ApplyCheck:
    """What the database says about a set of messages after they were applied."""

    messages: int = 0
    applied_once: int = 0
    applied_twice: list[int] = field(default_factory=list)  # message ids marked applied > once
    waiting: int = 0  # still received, or failed
    out_of_order: list[int] = field(default_factory=list)  # fault ids
    without_entry: int = 0  # applied messages whose update entry is not on the fault
    stale_events: int = 0

    @property
    def ok(self) -> bool:
        return (
            self.applied_once == self.messages
            and not self.applied_twice
            and not self.waiting
            and not self.out_of_order
            and not self.without_entry
            and not self.stale_events
        )

    def summary(self) -> str:
        return (
            f"{self.applied_once}/{self.messages} applied exactly once, "
            f"{len(self.applied_twice)} applied twice, {self.waiting} not applied; "
            f"faults out of order {len(self.out_of_order)}, entries missing "
            f"{self.without_entry}, stale-status events {self.stale_events}: "
            f"{'OK' if self.ok else 'FAILED'}"
        )


def check_applied(inbound_ids: list[int], *, since: datetime) -> ApplyCheck:
    """Exactly once (from the log of `install_apply_log`) and in order per fault (from the
    faults' update entries, which name their message: "(message n)" of a body whose message id
    is CF-n) for these messages; stale-status events recorded since `since` on their faults."""
    check = ApplyCheck(messages=len(inbound_ids))
    if not inbound_ids:
        return check
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT inbound_id, count(*) FROM {LOG_TABLE} WHERE inbound_id = ANY(%s) "
            "GROUP BY inbound_id",
            [inbound_ids],
        )
        logged = dict(cursor.fetchall())
    check.applied_once = sum(1 for count in logged.values() if count == 1)
    check.applied_twice = sorted(pk for pk, count in logged.items() if count > 1)
    rows = InboundMessage.objects.filter(pk__in=inbound_ids).values_list(
        "pk", "fault_id", "message_id", "status"
    )
    number_of: dict[int, dict[str, int]] = defaultdict(dict)  # fault -> {"n": inbound id}
    for pk, fault_id, message_id, status in rows:
        if status != InboundStatus.APPLIED:
            check.waiting += 1
        number_of[fault_id][message_id.removeprefix("CF-")] = pk
    entries = FaultUpdate.objects.filter(fault_id__in=list(number_of)).order_by("id")
    seen: dict[int, list[int]] = defaultdict(list)  # fault -> inbound ids, in entry order
    for fault_id, description in entries.values_list("fault_id", "description"):
        # "… (message n)" (the bench's bodies) or "… (CF-n)" (the end-to-end tests')
        number = description.rpartition("(")[2].rstrip(")").removeprefix("message ")
        number = number.removeprefix("CF-")
        inbound_id = number_of[fault_id].get(number)
        if inbound_id is not None:
            seen[fault_id].append(inbound_id)
    for fault_id, ids in seen.items():
        if ids != sorted(ids) or len(ids) != len(set(ids)):
            check.out_of_order.append(fault_id)
    check.without_entry = sum(len(by_number) for by_number in number_of.values()) - sum(
        len(set(ids)) for ids in seen.values()
    )
    check.stale_events = FaultEvent.objects.filter(
        fault_id__in=list(number_of), kind=EventKind.STALE_STATUS, recorded_at__gte=since
    ).count()
    return check


@dataclass(frozen=True)
class Drain:
    processes: int
    messages: int
    seconds: float  # the worker's first task taken to the queue empty, every message applied
    cold_seconds: float  # from the worker's start
    tasks: int  # tasks that were queued
    check: ApplyCheck

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else 0.0


def store_backlog(bodies: list[bytes], slug: str) -> list[int]:
    """Store the bodies as the webhook does (`receive_notification`: parsed, identified,
    stored, the apply task queued on commit); returns the ids stored."""
    from integrations.cityfibre.endpoint import receive_notification
    from integrations.partner_cache import partner_edge
    from integrations.security import Caller

    edge = partner_edge(slug=slug, protocol="cityfibre")
    caller = Caller(address="127.0.0.1", cert_fingerprint=edge.partner.client_cert_fingerprints)
    after = InboundMessage.objects.aggregate(last=Max("id"))["last"] or 0
    for body in bodies:
        answer = receive_notification(edge, body, caller)
        if answer.http_status != 200:
            raise RuntimeError(f"the webhook refused a bench message: {answer.body[:300]!r}")
    return list(
        InboundMessage.objects.filter(pk__gt=after, partner=edge.partner)
        .order_by("id")
        .values_list("id", flat=True)
    )


def worker_command(processes: int) -> list[str]:
    """One Celery worker (prefork, as in production) with `processes` pool processes."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--concurrency",
        str(processes),
        "--loglevel",
        "WARNING",
        "--without-gossip",
        "--without-mingle",
        "--hostname",
        f"bench-apply-{processes}@%h",
    ]


def _broker():
    import redis
    from django.conf import settings

    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def drain(inbound_ids: list[int], processes: int, *, start, stop, timeout: float = 900) -> Drain:
    """Start a worker with `processes` pool processes on the queued backlog, wait until none
    of `inbound_ids` is waiting and its queue is empty (every task run, those that found their
    message applied already included), stop it; time and check. The time runs from the first
    task the worker takes (the queue shortens), so its start-up is not counted."""
    since = datetime.now(UTC) - timedelta(seconds=1)
    waiting = InboundMessage.objects.filter(pk__in=inbound_ids, status=InboundStatus.RECEIVED)
    broker = _broker()
    queued = broker.llen(QUEUE)
    launched = time.perf_counter()
    first = None
    worker = start(worker_command(processes))
    try:
        while time.perf_counter() - launched < timeout:
            now = time.perf_counter()
            left = broker.llen(QUEUE)
            if first is None and left < queued:
                first = now
            if not left and not broker.hlen(UNACKED) and not waiting.exists():
                break
            time.sleep(0.05)
    finally:
        done = time.perf_counter()
        stop(worker)
    seconds = done - (first or launched)
    applied = len(inbound_ids) - waiting.count()
    return Drain(
        processes,
        applied,
        seconds,
        done - launched,
        queued,
        check_applied(inbound_ids, since=since),
    )


def _line(out: TextIO, name: str, result: Drain, ingest_per_second: float) -> None:
    ratio = result.per_second / ingest_per_second if ingest_per_second else 0.0
    out.write(
        f"  {name:<44} {result.per_second:8.1f} applied/s   ratio to ingest {ratio:5.2f}   "
        f"({result.messages} in {result.seconds:.1f} s, {result.tasks} tasks; "
        f"{result.cold_seconds:.1f} s with the worker's start)\n"
        f"    {result.check.summary()}\n"
    )


@dataclass(frozen=True)
class ApplyBenchConfig:
    ingest_per_second: float
    gunicorn_workers: int
    # The bodies of one backlog from a message number on (new message ids each time), as the
    # ingest part sends them.
    bodies: Callable[[int], list[bytes]]
    slug: str
    scale: tuple[int, ...] = (1, 2, 4)
    first_number: int = 20_000_000


def run(out: TextIO, config: ApplyBenchConfig, *, start, stop) -> list[Drain]:
    """The webhook's own backlog (whatever the ingest part left waiting) drained by as many
    worker processes as gunicorn had workers, then a fresh backlog of the same messages per
    worker count of `scale`. `start(args)` and `stop(process)` run a worker process."""
    if Partner.objects.filter(slug=config.slug).count() != 1:
        raise RuntimeError("the apply bench needs the ingest part's partner")
    install_apply_log()
    results = []
    try:
        waiting = list(
            InboundMessage.objects.filter(status=InboundStatus.RECEIVED, partner__slug=config.slug)
            .order_by("id")
            .values_list("id", flat=True)
        )
        faults = Fault.objects.filter(supplier__slug=config.slug).count()
        out.write(
            f"Apply: Celery workers (prefork, acks late, prefetch 1) on the same PostgreSQL and "
            f"Redis, {os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f}); ingest "
            f"{config.ingest_per_second:.1f} ack/s\n"
        )
        if waiting:
            result = drain(waiting, config.gunicorn_workers, start=start, stop=stop)
            results.append(result)
            _line(
                out,
                f"webhook's backlog, {config.gunicorn_workers} processes ({len(waiting)} msgs)",
                result,
                config.ingest_per_second,
            )
        number = config.first_number
        for processes in config.scale:
            bodies = config.bodies(number)
            number += len(bodies)
            ids = store_backlog(bodies, config.slug)
            result = drain(ids, processes, start=start, stop=stop)
            results.append(result)
            _line(
                out,
                f"{processes} process{'es' if processes > 1 else ''} "
                f"({len(ids)} msgs over {faults} faults)",
                result,
                config.ingest_per_second,
            )
        same = [r for r in results[1:] if r.processes == config.gunicorn_workers]
        compared = same[0] if same else results[0]
        ratio = compared.per_second / config.ingest_per_second if config.ingest_per_second else 0
        all_ok = all(r.check.ok for r in results)
        out.write(
            f"  apply / ingest with {compared.processes} worker processes (as many as gunicorn's "
            f"workers): {ratio:.2f}   (goal >= 1.0: {'PASS' if ratio >= 1.0 else 'FAIL'}); "
            f"exactly once and in order per fault: {'PASS' if all_ok else 'FAIL'}\n"
        )
        if len(results) > 1 and results[1].per_second:
            base = next(r for r in results[1:] if r.processes == config.scale[0])
            out.write(
                "  scale-out: "
                + ", ".join(
                    f"{r.processes} -> {r.per_second / base.per_second:.2f}x" for r in results[1:]
                )
                + f" the rate of {base.processes}\n"
            )
    finally:
        remove_apply_log()
    return results
