"""`manage.py simulate_tmf621` as the demo runs it (a real process, HTTPS with the demo PKI's
server certificate, stopped by a signal as honcho does), and HTTPS in-process."""

import contextlib
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from django.core.management import CommandError, call_command

from devtools.pki import DemoPki, ensure_demo_pki
from integrations.simulation.tls import simulator_tls_in
from tests.command_process import running_command
from tests.tmf621.simulator.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    LISTENER_TOKEN,
    Buyer,
    Listener,
    SimulatorFactory,
)

HAPPY = [
    ("troubleTicketStatusChangeEvent", "inProgress"),
    ("troubleTicketAttributeValueChangeEvent", "inProgress"),
    ("troubleTicketResolvedEvent", "resolved"),
]
CREDENTIALS = (
    f"--client-id={CLIENT_ID}",
    f"--client-secret={CLIENT_SECRET}",
    f"--listener-token={LISTENER_TOKEN}",
)


@contextlib.contextmanager
def simulator_command(*options: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """`manage.py simulate_tmf621 --port=0 …`: (the simulator's root URL, the process)."""
    command = ("simulate_tmf621", "--port=0", *options)
    with running_command(*command, env={"DEBUG": "1"}) as (banner, process):
        match = re.search(r"on (https?://127\.0\.0\.1:\d+)/tmf-api/troubleTicket/v4/", banner)
        assert match, banner
        yield match.group(1), process


def _buyer_of(root: str, **kwargs: object) -> Buyer:
    where = SimpleNamespace(
        token_url=f"{root}/oauth/token", api_url=f"{root}/tmf-api/troubleTicket/v4"
    )
    return Buyer(where, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_the_command_serves_https_and_stops_on_a_signal(
    tmp_path: Path, listener: Listener, stop: signal.Signals
) -> None:
    pki = ensure_demo_pki(tmp_path / "certs")  # as `make run`'s load_demo makes it
    with simulator_command(
        *CREDENTIALS,
        f"--tls-dir={tmp_path / 'certs'}",
        f"--callback={listener.callback}",
        "--step-delay=0.05",
    ) as (root, process):
        assert root.startswith("https://")
        buyer = _buyer_of(root, verify=str(pki.ca_cert_path))  # no client certificate

        ticket = buyer.raised()

        listener.wait_for(ticket["id"], HAPPY)
        process.send_signal(stop)
        output, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert f"<- POST /tmf-api/troubleTicket/v4/troubleTicket -> 201 {ticket['id']}" in output
    assert f"-> troubleTicketResolvedEvent {ticket['id']} resolved" in output
    assert "Stopping the simulator." in output


def test_the_command_serves_plain_http_without_a_tls_dir(listener: Listener) -> None:
    with simulator_command(
        *CREDENTIALS, "--step-delay=0.05", "--token-ttl=60", "--scenario=held"
    ) as (root, process):
        buyer = _buyer_of(root)
        assert buyer.session.get(f"{root}/_sim/state", timeout=5).json()["config"] == {
            "client_id": CLIENT_ID,
            "callback": "",
            "scenario": "held",
            "step_delay": 0.05,
            "token_ttl": 60.0,
            "unavailable_count": 2,
            "auto_close_after": 172800.0,
            "page_limit": 100,
            "create_status": "acknowledged",
        }
        hub = buyer.send_json("POST", "hub", {"callback": listener.callback})
        assert hub.status_code == 201

        ticket = buyer.raised(service="S1")

        events = listener.wait_for(
            ticket["id"],
            [
                ("troubleTicketStatusChangeEvent", "inProgress"),
                ("troubleTicketStatusChangeEvent", "held"),
                ("troubleTicketStatusChangeEvent", "inProgress"),
                ("troubleTicketResolvedEvent", "resolved"),
            ],
        )
        assert events[0]["headers"]["Authorization"] == f"Bearer {LISTENER_TOKEN}"
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)
    assert process.returncode == 0


def test_https_needs_the_demo_ca_and_no_client_certificate(
    start_simulator: SimulatorFactory, pki: DemoPki
) -> None:
    tls = simulator_tls_in(pki.ca_cert_path.parent, client_certificate=False)
    sim = start_simulator(tls=tls)
    assert sim.api_url.startswith("https://127.0.0.1:")

    trusting = Buyer(sim, verify=str(pki.ca_cert_path))

    assert trusting.call("GET", "troubleTicket").status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{sim.url}/_sim/health", timeout=5)  # the system's CAs do not know it


def test_without_the_server_certificate_the_command_names_what_is_missing(
    tmp_path: Path,
) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("simulate_tmf621", "--port=0", *CREDENTIALS, tls_dir=tmp_path)

    message = str(refused.value)
    assert "ca.pem" in message and "simulator-server.pem" in message
    assert "supplier-client" not in message  # it presents no client certificate
    assert "manage.py demo_pki" in message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "options, message",
    [
        (("--scenario=sideways",), "unknown scenario"),
        (("--token-ttl=-5",), "token_ttl"),
        (("--callback=not-a-url",), "callback"),
    ],
)
def test_a_setting_the_simulator_cannot_use_is_a_command_error(
    options: tuple[str, ...], message: str
) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("simulate_tmf621", "--port=0", *CREDENTIALS, *options)

    assert message in str(refused.value)


def test_the_credentials_are_required() -> None:
    with pytest.raises(CommandError) as refused:
        call_command("simulate_tmf621", "--port=0")

    assert "--client-id" in str(refused.value)
