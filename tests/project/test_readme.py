"""Issue 10 #21: what the README tells a new user to run works as written."""

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from devtools.pki import ensure_demo_pki
from integrations.cityfibre.simulator import CityFibreSimulator

ROOT = Path(__file__).resolve().parents[2]


def test_the_simulator_state_command_reaches_the_mutual_tls_simulator(tmp_path):
    """`make run`'s simulator serves /_sim/state behind mutual TLS: the README's command for it
    must carry a client certificate of the demo PKI (var/certs, here a fresh one)."""
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"`(curl [^`]*https://127\.0\.0\.1:8081/_sim/state)`", readme)
    assert match, "the README gives no command for the simulator's state"
    if not shutil.which("curl"):
        pytest.fail("curl is not installed")
    pki = ensure_demo_pki(tmp_path / "certs")
    with CityFibreSimulator(port=0, tls=pki, step_delay=60) as simulator:
        command = [
            arg.replace("var/certs/", f"{pki.ca_cert_path.parent}/").replace(
                "https://127.0.0.1:8081", simulator.url
            )
            for arg in shlex.split(match.group(1))
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=30)

    assert result.returncode == 0, result.stderr
    assert set(json.loads(result.stdout)) >= {"received", "sent"}
