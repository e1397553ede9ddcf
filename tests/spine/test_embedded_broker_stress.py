"""Issue 10 #3: `make run`'s embedded broker keeps its worker under load.

The incident: ~2 700 notifications in 3 minutes while beat's outbox sweep re-queued deliveries,
and the worker exited on `JSONDecodeError` from kombu's filesystem transport (it had read a
message file before it was written, celery/kombu#1551). Here the broker is the one `make run`
configures (config.settings with its default URL, in a temporary folder), consumed by a real
Celery worker started like Procfile.dev's (concurrency 2); publishers in processes of their own
play the web server, and sweeps published by a beat-like process re-publish from inside the
worker while its consumer reads the queue: 2 700 messages in all. Two publishers send 256 KB
messages: a bigger message keeps kombu's empty file visible longer (about 0.6 ms instead of a
few µs), so the race the incident met once in 2 700 small messages shows within seconds.

Every message must run exactly once, the worker must still be running, and Ctrl-C (SIGINT) must
stop it without an error. The run takes about 25 s on two cores; `-m "not stress"` leaves it out
of a quick local run.
"""

import contextlib
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.e2e.processes import ROOT, wait_for

pytestmark = pytest.mark.stress

PROBE = "devtools.bench.broker_probe"
PUBLISHERS = 4
MESSAGES_PER_PUBLISHER = 300
PUBLISH_PAUSE = 0.08  # mean, irregular: webhook posts, not a flood; the queue stays short
LARGE_PUBLISHERS = 2
THREADS = 3  # runserver answers concurrent posts from threads
BALLAST = 256 * 1024
SWEEPS = 10
SWEEP_SIZE = 150
SWEEP_PAUSE = 1.5
EXPECTED = {
    *(f"web{p}-{n}" for p in range(PUBLISHERS) for n in range(MESSAGES_PER_PUBLISHER)),
    *(f"sweep{s}-{n}" for s in range(SWEEPS) for n in range(SWEEP_SIZE)),
}


class Process:
    """A command in its own process group (as honcho starts them), its output in a file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("w") as out:
            self.popen = subprocess.Popen(
                args,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def running(self) -> bool:
        return self.popen.poll() is None

    def text(self) -> str:
        return self.log.read_text()

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)


@pytest.fixture
def broker_env(tmp_path) -> dict[str, str]:
    """The embedded broker as `make run` configures it, in a folder of this test's own."""
    env = {key: value for key, value in os.environ.items() if key != "PROBE_BROKER"}
    env.update(
        DEBUG="1",
        CELERY_BROKER_URL="filesystem://",
        EMBEDDED_BROKER_DIR=str(tmp_path / "broker"),
        PROBE_LOG=str(tmp_path / "ran.log"),
    )
    return env


@pytest.fixture
def processes():
    started: list[Process] = []
    yield started
    for process in started:
        process.kill()


def _ran(env: dict[str, str]) -> Counter:
    log = Path(env["PROBE_LOG"])
    if not log.exists():
        return Counter()
    return Counter(line.split()[0] for line in log.read_text().splitlines())


def _probe(*args: str) -> list[str]:
    return [sys.executable, "-m", PROBE, *args]


def test_the_worker_survives_publishers_and_sweeps_racing_its_consumer(
    broker_env, processes, tmp_path
):
    worker = Process(
        [sys.executable, "-m", "celery", "-A", PROBE, "worker", "-l", "info", "--concurrency", "2"],
        broker_env,
        tmp_path / "worker.log",
    )
    processes.append(worker)
    wait_for(
        lambda: " ready." in worker.text() or not worker.running(),
        timeout=60,
        what="the worker to start",
    )
    assert worker.running(), worker.text()[-3000:]

    publishers = [
        Process(
            _probe(
                "publish",
                f"web{p}",
                str(MESSAGES_PER_PUBLISHER),
                "--threads",
                str(THREADS),
                "--pause",
                str(PUBLISH_PAUSE),
                "--ballast",
                str(BALLAST if p < LARGE_PUBLISHERS else 0),
            ),
            broker_env,
            tmp_path / f"publisher-{p}.log",
        )
        for p in range(PUBLISHERS)
    ]
    beat = Process(
        _probe("sweeps", "sweep", str(SWEEPS), str(SWEEP_SIZE), "--pause", str(SWEEP_PAUSE)),
        broker_env,
        tmp_path / "beat.log",
    )
    processes.extend([*publishers, beat])
    for publisher in [*publishers, beat]:
        publisher.popen.wait(timeout=120)
        assert publisher.popen.returncode == 0, publisher.text()[-3000:]

    # Liveness, not speed: stop waiting as soon as everything ran or the worker is gone.
    with contextlib.suppress(AssertionError):
        wait_for(
            lambda: len(_ran(broker_env)) >= len(EXPECTED) or not worker.running(),
            timeout=120,
            what="every message to run",
        )
    log = worker.text()
    assert worker.running(), "the worker exited:\n" + "\n".join(
        line for line in log.splitlines() if "CRITICAL" in line or "Error" in line
    )
    ran = _ran(broker_env)
    assert set(ran) == EXPECTED, f"{len(EXPECTED - set(ran))} never ran"
    assert [tag for tag, times in ran.items() if times > 1] == []

    worker.popen.send_signal(signal.SIGINT)
    worker.popen.wait(timeout=60)
    shutdown = worker.text().partition("Warm shutdown")[2]
    assert "Warm shutdown" in worker.text()
    assert not [line for line in shutdown.splitlines() if "ERROR" in line or "Traceback" in line], (
        shutdown
    )
