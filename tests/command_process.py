"""A management command in its own process, as honcho runs it (the simulators' tests)."""

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def running_command(
    *args: str, env: dict[str, str], ready: str = "Ctrl-C"
) -> Iterator[tuple[str, subprocess.Popen]]:
    """`manage.py <args>` with `env` added to ours, once it has printed a line containing
    `ready` (its banner): (that line, the process). Killed afterwards if still running."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        banner = ""
        while ready not in banner:  # the log lines, then the banner
            banner = process.stdout.readline()
            assert banner, "the command ended before it was ready"
        yield banner, process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
