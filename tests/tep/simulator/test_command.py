"""`manage.py simulate_tep` in its own process, as honcho runs it: port 0, the demo PKI's files,
a call through our client, SIGTERM."""

import os
import re
import signal
import subprocess
import sys

import pytest
import requests

from tests.command_process import ROOT
from tests.tep.simulator.conftest import TepCaller, new_ticket

# Run by its module, so the test does not depend on `integrations.tep` being an enabled
# package yet (that is where `manage.py` finds the command).
RUN = (
    "import sys, django; django.setup(); "
    "from django.core.management import call_command; "
    "from integrations.tep.management.commands.simulate_tep import Command; "
    "call_command(Command(), *sys.argv[1:])"
)


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", RUN, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_the_command_serves_until_sigterm(pki):
    process = start(
        "--port", "0", "--tls-dir", str(pki.ca_cert_path.parent), "--step-delay", "0.05"
    )
    try:
        banner = ""
        while "Ctrl-C" not in banner:
            banner = process.stdout.readline()
            assert banner, "the command ended before it was ready"
        url = re.search(r"TEP simulator on (https://127\.0\.0\.1:\d+)/", banner).group(1)
        assert "mutual TLS" in banner and "delivery polling" in banner
        tep = TepCaller(None, pki.buyer_client, pki.ca_cert_path, url=url)
        assert tep.call("PostTicket", Ticket=new_ticket("F-1")).interaction_id > 0
        with requests.Session() as session:
            session.trust_env = False
            session.cert = (str(pki.buyer_client.cert_path), str(pki.buyer_client.key_path))
            session.verify = str(pki.ca_cert_path)
            state = session.get(f"{url}/_sim/state", timeout=5).json()
        (ticket,) = state["tickets"].values()
        assert ticket["our_reference"] == "F-1"
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=10)
        assert process.returncode == 0
        assert "Stopping the simulator." in output
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--delivery-mode", "hosted"), "needs --partner-ticket-url"),
        (("--scenario", "nonsense"), "unknown scenario"),
    ],
)
def test_the_command_refuses_what_it_cannot_run(args, message):
    process = start("--port", "0", *args)
    output, _ = process.communicate(timeout=30)
    assert process.returncode != 0
    assert message in output
