"""The TMF621 end-to-end rig's parts: the simulator as its own process (`manage.py
simulate_tmf621`, the command `make run` starts), and what the tests read of a fault's life."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import requests

from tests.e2e.processes import ROOT, wait_for
from tests.ports import worker_share

# The servers these tests start listen on ports of this range (the live server and Redis take
# any free port, as the other end-to-end tests do).
PORTS = worker_share(range(18410, 18500))


def port_in_range() -> int:
    """A port of PORTS nobody listens on now."""
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def origin(port: int) -> str:
    return f"https://127.0.0.1:{port}"


def api_url(port: int) -> str:
    """The simulator's TMF621 API on `port` (Partner.base_url)."""
    return f"{origin(port)}/tmf-api/troubleTicket/v4"


def token_url(port: int) -> str:
    """Its token endpoint (Tmf621Connection.token_url)."""
    return f"{origin(port)}/oauth/token"


class Tmf621SimulatorProcess:
    """`python manage.py simulate_tmf621 …` in its own process group: stopping it is the
    supplier going down (its tickets are lost with it, as a real outage would not; the tests
    stop it only before it holds any)."""

    def __init__(
        self,
        *,
        port: int,
        tls_dir: Path,
        ca_bundle: Path,
        client_id: str,
        client_secret: str,
        listener_token: str,
        callback: str,
        logfile: Path,
        step_delay: float = 0.3,
        extra: tuple[str, ...] = (),
    ) -> None:
        self.port = port
        self.ca_bundle = ca_bundle
        self.logfile = logfile
        self.command = [
            sys.executable,
            "manage.py",
            "simulate_tmf621",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--tls-dir",
            str(tls_dir),
            "--client-id",
            client_id,
            "--client-secret",
            client_secret,
            "--listener-token",
            listener_token,
            "--callback",
            callback,
            "--step-delay",
            str(step_delay),
            *extra,
        ]
        self.process: subprocess.Popen | None = None
        self.lines: list[str] = []

    def start(self) -> "Tmf621SimulatorProcess":
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env={**os.environ, "DEBUG": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        wait_for(self._answers, timeout=60, what=f"the TMF621 simulator (log: {self.logfile})")
        return self

    def _read(self) -> None:
        with self.logfile.open("a") as log:
            for line in self.process.stdout:
                self.lines.append(line)
                log.write(line)
                log.flush()

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the TMF621 simulator exited: {''.join(self.lines)[-2000:]}")
        try:
            return requests.get(self._sim("state"), verify=self.ca_bundle, timeout=2).ok
        except requests.RequestException:
            return False

    def _sim(self, what: str) -> str:
        return f"{origin(self.port)}/_sim/{what}"

    def state(self) -> dict[str, Any]:
        answer = requests.get(self._sim("state"), verify=self.ca_bundle, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def configure(self, **settings: Any) -> dict[str, Any]:
        answer = requests.post(
            self._sim("config"), json=settings, verify=self.ca_bundle, timeout=10
        )
        assert answer.ok, answer.text
        return answer.json()

    def ticket(self, reference: str) -> dict[str, Any]:
        """The simulator's record of the ticket it holds for our fault `reference`."""
        for held in self.state()["tickets"].values():
            if held["ticket"].get("externalId") == reference:
                return held
        raise AssertionError(f"the simulator holds no ticket for {reference}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            if self.process.poll() is None:
                self.process.wait(timeout=10)
