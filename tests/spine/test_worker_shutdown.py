"""Issue 10 #21: Ctrl-C under `make run` stops the Celery worker without errors.

honcho, which `make run` uses, stops each process by signalling its whole process group
(SIGTERM): the worker's pool processes died under it, logged as errors, with whatever task they
were running. The worker line of Procfile.dev runs here under honcho, on a private Redis, with a
task running, and honcho is interrupted as Ctrl-C does: the worker lets the task finish and stops.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from kombu import Connection

from config.celery import app
from tests.e2e.processes import RedisServer, wait_for

pytestmark = pytest.mark.redis
ROOT = Path(__file__).resolve().parents[2]


def procfile_line(name: str) -> str:
    for line in (ROOT / "Procfile.dev").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line
    raise AssertionError(f"Procfile.dev has no {name} line")


def test_ctrl_c_under_honcho_stops_the_worker_without_errors(tmp_path):
    if not shutil.which("redis-server"):
        pytest.fail("this test starts its own redis-server; it is not installed")
    redis = RedisServer(tmp_path)
    redis.start()
    procfile = tmp_path / "Procfile"
    procfile.write_text(procfile_line("worker") + " --include tests.celery_tasks\n")
    env = {
        **os.environ,
        "DEBUG": "1",
        "CELERY_BROKER_URL": redis.url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    honcho = subprocess.Popen(
        [sys.executable, "-m", "honcho", "-f", str(procfile), "-d", str(ROOT), "start"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(honcho.stdout), daemon=True)
    reader.start()
    try:
        wait_for(lambda: any(" ready." in line for line in lines), timeout=60, what="the worker")
        with Connection(redis.url) as broker:
            app.send_task("tests.nap", args=[1.0], connection=broker)
        wait_for(
            lambda: any("Task tests.nap[" in line and "received" in line for line in lines),
            what="the task to start",
        )
        honcho.send_signal(signal.SIGINT)  # Ctrl-C
        honcho.wait(timeout=30)
        reader.join(timeout=10)
    finally:
        if honcho.poll() is None:  # the test failed early: honcho stops its processes itself
            honcho.send_signal(signal.SIGINT)
            try:
                honcho.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(honcho.pid, signal.SIGKILL)
                honcho.wait(timeout=10)
        redis.stop()

    output = "".join(lines)
    assert "Warm shutdown" in output, output
    assert re.search(r"Task tests\.nap\[\S+\] succeeded", output), output
    errors = [line for line in lines if re.search(r"\b(ERROR|CRITICAL)\b|Traceback", line)]
    assert errors == [], output
