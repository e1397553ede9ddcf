"""A Celery app for measuring a broker, configured like the product's (config.settings: the same
broker, acks_late, prefetch 1, JSON), with two tasks that need no database.

- `probe.record(tag, sent, ballast)` appends "<tag> <sent> <ran>" to $PROBE_LOG, one write per
  line, so whoever started the worker can count what ran, once or twice, and how long it
  waited. `ballast` only makes the message bigger.
- `probe.sweep(prefix, count)` publishes `count` record tasks from inside the worker, as beat's
  outbox sweep does while the consumer is reading the queue.

From a process of its own, as the web server and beat do:
    python -m devtools.bench.broker_probe publish PREFIX COUNT [--pause S] [--ballast BYTES]
    python -m devtools.bench.broker_probe sweeps PREFIX COUNT SIZE [--pause S]
$PROBE_BROKER (JSON: url, transport, options) swaps the broker for another candidate; without it
the app uses the product's settings (EMBEDDED_BROKER_DIR moves the embedded broker's folder).
"""

import argparse
import json
import os
import random
import threading
import time

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("broker_probe")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.beat_schedule = {}
if os.environ.get("PROBE_BROKER"):
    _broker = json.loads(os.environ["PROBE_BROKER"])
    app.conf.broker_url = _broker["url"]
    app.conf.broker_transport = _broker.get("transport")
    app.conf.broker_transport_options = _broker.get("options", {})


@app.task(name="probe.record")
def record(tag: str, sent: float, ballast: str = "") -> None:
    line = f"{tag} {sent:.6f} {time.time():.6f}\n".encode()
    fd = os.open(os.environ["PROBE_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


@app.task(name="probe.sweep")
def sweep(prefix: str, count: int) -> None:
    for n in range(count):
        record.apply_async(args=(f"{prefix}-{n}", time.time()), retry=False)


def publish(
    prefix: str,
    count: int,
    *,
    threads: int = 1,
    pause: float = 0.0,
    work: float = 0.0,
    ballast: int = 0,
) -> None:
    """`count` messages tagged prefix-n, from `threads` threads as a threaded web server sends
    them: each message follows `work` seconds of CPU (handling the request, holding the GIL) and
    an irregular pause (a fixed one could keep step with a polling consumer and never meet it)."""

    def send(numbers: range) -> None:
        for n in numbers:
            until = time.perf_counter() + work
            while time.perf_counter() < until:
                pass
            record.apply_async(args=(f"{prefix}-{n}", time.time(), "x" * ballast), retry=False)
            if pause:
                time.sleep(random.uniform(0, 2 * pause))

    workers = [
        threading.Thread(target=send, args=(range(t, count, threads),)) for t in range(threads)
    ]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()


def sweeps(prefix: str, count: int, size: int, *, pause: float = 0.0) -> None:
    for n in range(count):
        sweep.apply_async(args=(f"{prefix}{n}", size), retry=False)
        if pause:
            time.sleep(pause)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devtools.bench.broker_probe")
    commands = parser.add_subparsers(dest="command", required=True)
    pub = commands.add_parser("publish", help="publish COUNT record tasks tagged PREFIX-n")
    pub.add_argument("prefix")
    pub.add_argument("count", type=int)
    pub.add_argument("--threads", type=int, default=1, help="threads publishing at once")
    pub.add_argument("--pause", type=float, default=0.0, help="mean seconds between messages")
    pub.add_argument("--work", type=float, default=0.0, help="seconds of CPU per message")
    pub.add_argument("--ballast", type=int, default=0, help="bytes added to each message")
    swp = commands.add_parser("sweeps", help="publish COUNT sweeps of SIZE record tasks each")
    swp.add_argument("prefix")
    swp.add_argument("count", type=int)
    swp.add_argument("size", type=int)
    swp.add_argument("--pause", type=float, default=0.0, help="seconds between sweeps")
    args = parser.parse_args()
    if args.command == "publish":
        publish(
            args.prefix,
            args.count,
            threads=args.threads,
            pause=args.pause,
            work=args.work,
            ballast=args.ballast,
        )
    else:
        sweeps(args.prefix, args.count, args.size, pause=args.pause)


if __name__ == "__main__":
    main()
