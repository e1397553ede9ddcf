"""Real processes for the end-to-end tests: a private Redis the tests may stop and start, and
Celery workers (with beat embedded) that the tests may kill."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(
    predicate: Callable[[], object],
    *,
    timeout: float = 30,
    interval: float = 0.2,
    what: str = "condition",
) -> object:
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class RedisServer:
    """A throwaway redis-server on its own port: stopping it is a broker outage."""

    def __init__(self, workdir: Path) -> None:
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10, what="redis-server")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class Worker:
    """`celery -A config worker -B` in its own process group, reading the test database.

    Beat keeps its schedule in a file (`PersistentScheduler`: the settings' sweeps) unless
    `scheduler` names another, e.g. the product's `integrations.beat:PackagePollScheduler`,
    which adds the protocol packages' polls."""

    def __init__(
        self,
        env: dict[str, str],
        logfile: Path,
        scheduler: str = "celery.beat:PersistentScheduler",
    ) -> None:
        self.env = env
        self.logfile = logfile
        self.scheduler = scheduler
        self.process: subprocess.Popen | None = None
        self.lines: list[str] = []

    def start(self) -> "Worker":
        schedule = self.logfile.with_suffix(".schedule")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-B",
                "--scheduler",
                self.scheduler,
                "-s",
                str(schedule),
                "--pool",
                "prefork",
                "--concurrency",
                "2",
                "--loglevel",
                "INFO",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        wait_for(
            lambda: any(" ready." in line for line in self.lines),
            timeout=60,
            what=f"the Celery worker to be ready (log: {self.logfile})",
        )
        return self

    def _read(self) -> None:
        with self.logfile.open("a") as log:
            for line in self.process.stdout:
                self.lines.append(line)
                log.write(line)
                log.flush()

    def kill(self) -> None:
        """SIGKILL the whole process group: the worker and its children, mid-task."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        self.kill_group()

    def kill_group(self) -> None:
        """Whatever of the group outlived its parent (beat, pool children) goes too."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            if self.process.poll() is None:
                self.process.wait(timeout=10)
