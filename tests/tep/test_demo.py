"""The demo's TEP partner: what `make run` loads for it matches how Procfile.dev starts its
simulator, and the outbox reaches that simulator with the demo's certificates."""

import shlex
from pathlib import Path

import pytest

from devtools.demo import demo_data_load
from devtools.demo_tep import DEMO_TEP_PARTNER_SLUG
from devtools.pki import ensure_demo_pki
from faults.services import fault_submit
from integrations.choices import OutboundStatus
from integrations.models import Partner
from integrations.tep.models import ReceiveMode
from integrations.tep.simulator import TepSimulator
from tests.factories import FaultFactory
from tests.tep.outbound.conftest import AGENT, deliver, due

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[2]


def procfile_words(name: str) -> list[str]:
    lines = (ROOT / "Procfile.dev").read_text().splitlines()
    (line,) = [line for line in lines if line.startswith(f"{name}:")]
    return shlex.split(line.split(":", 1)[1])


def test_make_run_starts_the_tep_simulator_where_the_demo_partner_calls_it(tmp_path):
    demo_data_load(pki_dir=tmp_path / "pki")
    words = procfile_words("tepsupplier")
    port = words[words.index("--port") + 1]

    partner = Partner.objects.get(slug=DEMO_TEP_PARTNER_SLUG)
    assert words[:3] == ["python", "manage.py", "simulate_tep"]
    assert partner.protocol == "tep"
    assert partner.base_url == f"https://127.0.0.1:{port}"
    assert partner.tep_connection.receive_mode == ReceiveMode.POLLING
    assert partner.buyer_identifiers.filter(is_default=True).exists()
    assert partner.sla_policies.exists()


def test_a_fault_raised_with_the_demo_partner_reaches_its_simulator(tmp_path):
    demo_data_load(pki_dir=tmp_path / "pki")
    partner = Partner.objects.get(slug=DEMO_TEP_PARTNER_SLUG)
    simulator = TepSimulator(tls=ensure_demo_pki(tmp_path / "pki"), step_delay=30).start()
    try:
        Partner.objects.filter(pk=partner.pk).update(base_url=simulator.url)
        partner.refresh_from_db()
        fault = FaultFactory(
            supplier=partner,
            buyer_identifier=partner.buyer_identifiers.get(is_default=True),
            service_id="EB-DEMO-1",
        )
        fault_submit(fault_id=fault.pk, actor=AGENT)
        for message in due(partner):
            assert deliver(message).status == OutboundStatus.DELIVERED, message.last_error
        tickets = simulator.state_store.snapshot()["tickets"]
    finally:
        simulator.stop()

    assert any(fault.buyer_fault_reference in str(ticket) for ticket in tickets.values()), tickets
