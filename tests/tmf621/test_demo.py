"""The demo's TMF621 supplier: what `make run` loads for it, that its simulator is started with the
same values, and that the dashboard, the queue and integration health show both suppliers from
the first page view."""

import re
import shlex
from pathlib import Path

import pytest
from django.db.models import F
from django.urls import resolve
from django.utils import timezone

from devtools.demo import DEMO_PARTNER_SLUG, demo_data_load
from devtools.demo_tep import DEMO_TEP_PARTNER_SLUG
from devtools.demo_tmf import (
    DEMO_TMF_BUYER_IDENTIFIER,
    DEMO_TMF_FAULTS,
    DEMO_TMF_PARTNER_NAME,
    DEMO_TMF_PARTNER_SLUG,
    HELD_REASON,
    PENDING_REASON,
    TMF_HISTORY,
)
from faults.choices import FaultStatus, PartnerOperation, SlaState
from faults.models import Fault, FaultEvent
from integrations.auth.secrets import decrypt_secret, secret_matches
from integrations.choices import InboundAuth, InboundStatus, OutboundStatus
from integrations.health import integration_health
from integrations.models import InboundMessage, OutboundMessage, Partner
from integrations.tmf621.mapping import HELD_PREFIX, PENDING_PREFIX

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo(tmp_path):
    started = timezone.now()
    demo_data_load(pki_dir=tmp_path / "pki")
    return started


def procfile_command(name: str) -> dict[str, str]:
    """The options Procfile.dev gives one of its processes."""
    lines = (ROOT / "Procfile.dev").read_text().splitlines()
    (line,) = [line for line in lines if line.startswith(f"{name}:")]
    words = shlex.split(line.split(":", 1)[1])
    assert words[:3] == ["python", "manage.py", "simulate_tmf621"], words
    options = {}
    for index, word in enumerate(words):
        if word.startswith("--"):
            following = words[index + 1] if index + 1 < len(words) else ""
            options[word] = "" if following.startswith("--") else following
    return options


def test_make_run_starts_the_tmf_simulator_with_the_demo_partners_values(demo):
    options = procfile_command("tmfsupplier")
    partner = Partner.objects.get(slug=DEMO_TMF_PARTNER_SLUG)
    connection = partner.tmf621

    assert partner.base_url == (f"https://127.0.0.1:{options['--port']}/tmf-api/troubleTicket/v4")
    assert connection.token_url == f"https://127.0.0.1:{options['--port']}/oauth/token"
    assert connection.client_id == options["--client-id"]
    assert decrypt_secret(connection.client_secret_encrypted).decode() == options["--client-secret"]
    assert partner.inbound_auth == InboundAuth.BEARER
    assert secret_matches(
        partner.inbound_secret_hash, options["--listener-token"], strategy=InboundAuth.BEARER
    )
    assert connection.callback_url == options["--callback"]
    assert connection.callback_url == (
        f"http://127.0.0.1:8000/integrations/tmf621/{DEMO_TMF_PARTNER_SLUG}"
    )
    # The events it posts reach our listener for this partner.
    match = resolve(f"/integrations/tmf621/{DEMO_TMF_PARTNER_SLUG}/listener/"
                    "troubleTicketStatusChangeEvent")  # fmt: skip
    assert match.kwargs["partner_slug"] == DEMO_TMF_PARTNER_SLUG
    # It serves HTTPS with the demo PKI (make run's DEMO_PKI_DIR), whose CA the partner trusts.
    assert options["--tls-dir"] == "var/certs"
    ca_bundle = Path(partner.ca_bundle_path)
    assert ca_bundle.name == "ca.pem" and ca_bundle.is_file()
    makefile = (ROOT / "Makefile").read_text()
    assert f"https://127.0.0.1:{options['--port']}/tmf-api/troubleTicket/v4" in makefile


def test_the_tmf_supplier_is_a_second_wholesaler_with_its_own_contract(demo):
    partner = Partner.objects.get(slug=DEMO_TMF_PARTNER_SLUG)

    assert partner.name == DEMO_TMF_PARTNER_NAME
    assert partner.protocol == "tmf621" and partner.is_active
    assert partner.default_buyer_identifier.code == DEMO_TMF_BUYER_IDENTIFIER
    assert not partner.offers_appointments
    assert partner.tmf621.holds_pause_sla is False
    ticketing = Partner.objects.get(slug=DEMO_PARTNER_SLUG)
    targets = dict(partner.sla_policies.values_list("fault_type", "target"))
    assert targets and targets != dict(ticketing.sla_policies.values_list("fault_type", "target"))
    partner.full_clean()  # as the admin would save it


def test_its_demo_faults_show_what_tmf_words_do_to_a_fault(demo):
    faults = {
        fault.buyer_fault_reference: fault
        for fault in Fault.objects.filter(supplier__slug=DEMO_TMF_PARTNER_SLUG)
    }

    # Raised at load time: its raise is left for the simulator.
    live = faults["DEMO-T001"]
    assert live.status == FaultStatus.PENDING
    assert OutboundMessage.objects.get(fault=live).status == OutboundStatus.PENDING
    # In progress: the supplier numbered its ticket.
    assert faults["DEMO-T002"].status == FaultStatus.IN_PROGRESS
    assert re.fullmatch(r"TT-\d+", faults["DEMO-T002"].maintainer_fault_reference)
    # Held on the supplier's side: still in progress, the reason shown, the SLA running.
    held = faults["DEMO-T003"]
    assert held.status == FaultStatus.IN_PROGRESS
    assert held.status_reason == f"{HELD_PREFIX}: {HELD_REASON}"
    assert held.sla_state != SlaState.PAUSED and not held.sla_pauses.exists()
    # Waiting for our information: on hold, the SLA paused.
    waiting = faults["DEMO-T004"]
    assert waiting.status == FaultStatus.ON_HOLD
    assert waiting.status_reason == f"{PENDING_PREFIX}: {PENDING_REASON}"
    assert waiting.sla_state == SlaState.PAUSED
    assert waiting.sla_pauses.filter(ended_at__isnull=True).count() == 1
    # Resolved, waiting for our answer.
    assert faults["DEMO-T005"].status == FaultStatus.RESOLVED
    assert faults["DEMO-T005"].auto_close_due_at is not None
    # Closed: the one that waited on us was paused while it did; the held one never was.
    # (Counted in wall-clock pauses: their SLA's business hours may not have begun.)
    answered = faults["DEMO-T006"]
    assert answered.status == FaultStatus.CLOSED
    assert answered.sla_pauses.filter(ended_at__gt=F("started_at")).count() == 1
    assert answered.comments.filter(commented_by="buyer").count() == 1
    assert faults["DEMO-T007"].status == FaultStatus.CLOSED
    assert not faults["DEMO-T007"].sla_pauses.exists()
    assert faults["DEMO-T008"].status == FaultStatus.REJECTED
    assert len([ref for ref in faults if ref.startswith(TMF_HISTORY.prefix)]) == TMF_HISTORY.faults
    assert {spec.reference for spec in DEMO_TMF_FAULTS} <= set(faults)


def test_its_past_arrived_as_its_tickets_and_left_as_its_calls(demo):
    tmf = Fault.objects.filter(supplier__slug=DEMO_TMF_PARTNER_SLUG).exclude(
        buyer_fault_reference="DEMO-T001"
    )

    inbound = InboundMessage.objects.filter(fault__in=tmf)
    assert inbound.exists()
    assert set(inbound.values_list("status", "attempts")) == {(InboundStatus.APPLIED, 1)}
    assert not inbound.filter(received_at__gte=demo).exists()  # received when it happened
    # Each change the supplier made came in one of its events (a restated status changes none).
    changes = FaultEvent.objects.filter(fault__in=tmf, kind="status", actor_kind="partner")
    assert changes.exists()
    assert set(changes.values_list("actor_ref", flat=True)) <= set(
        inbound.values_list("message_id", flat=True)
    )
    assert set(inbound.values_list("message_type", flat=True)) == {
        "troubleTicketStatusChangeEvent",
        "troubleTicketInformationRequiredEvent",
        "troubleTicketResolvedEvent",
    }
    assert not FaultEvent.objects.filter(fault__in=tmf, kind="anomaly").exists()
    sent = OutboundMessage.objects.filter(fault__in=tmf)
    assert set(sent.values_list("status", flat=True)) == {OutboundStatus.DELIVERED}
    assert not sent.exclude(created_at=F("delivered_at")).exists()
    operations = set(sent.values_list("operation", flat=True))
    assert operations == {
        PartnerOperation.RAISE,
        PartnerOperation.COMMENT,
        PartnerOperation.RESOLUTION_ANSWER,
    }


def test_the_pages_show_both_suppliers_from_the_first_view(demo, manager_client, agent_client):
    dashboard = manager_client.get("/dashboard/").content.decode()
    for name in ("Demo Supplier (simulator)", DEMO_TMF_PARTNER_NAME):
        assert dashboard.count(f'<th scope="row">{name}</th>') >= 2, name  # open, and repaired

    health = {row.partner.slug: row for row in integration_health()}
    assert set(health) == {DEMO_PARTNER_SLUG, DEMO_TMF_PARTNER_SLUG, DEMO_TEP_PARTNER_SLUG}
    assert health[DEMO_TMF_PARTNER_SLUG].inbound.all_time[InboundStatus.APPLIED] > 0
    page = manager_client.get("/integrations/health/").content.decode()
    assert DEMO_TMF_PARTNER_NAME in page and "TMF621" in page

    queue = agent_client.get("/queue/").content.decode()
    on_hold = queue.split('id="queue-on-hold"')[1].split("</article>")[0]
    assert "DEMO-T004" in on_hold and PENDING_REASON in on_hold
    assert "DEMO-T003" not in on_hold  # held by the supplier: not waiting on us
    resolved = queue.split('id="queue-resolved"')[1].split("</article>")[0]
    assert "DEMO-T005" in resolved
