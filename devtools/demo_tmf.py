"""The demo's second supplier: a wholesaler that speaks TMF621 Trouble Ticket REST/JSON, played by
`manage.py simulate_tmf621` on https://127.0.0.1:8082/ (`Procfile.dev`, with the values below).

Its partner row points at the simulator (TLS with the demo PKI's server certificate; no client
certificate: the supplier's own API asks for an access token instead, which we get with the
client id and secret below), lets the simulator post its events to our listener with a bearer
token, and has its own SLA policies. Its demo faults show what TMF621's words do to a fault:
a ticket `pending` on our information (on hold, SLA paused, in the agent's queue), one `held`
on the supplier's side (in progress with the reason shown, SLA running), one resolved and
waiting for our answer, closed and rejected ones, and a few weeks of history for the dashboard.
One fault is raised when the demo is loaded, so the simulator walks it through its life live.

Like the rest of the demo, everything is looked up by a fixed key and left alone when it exists.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractUser

from devtools.demo_history import (
    HistoryShape,
    demo_backdate,
    demo_history_load,
    recording_history,
)
from devtools.demo_partners import demo_sla_policies
from devtools.demo_tmf_supplier import DemoTmfSupplier
from devtools.pki import DemoPki
from faults.choices import FaultType, SlaCalendar
from faults.models import Fault
from faults.services import (
    Actor,
    fault_accept_resolution,
    fault_comment_add,
    fault_create_draft,
    fault_submit,
)
from integrations.auth.secrets import decrypt_secret, encrypt_secret, hash_secret, secret_matches
from integrations.choices import Environment, InboundAuth
from integrations.models import BuyerIdentifier, Partner
from integrations.tmf621.models import Tmf621Connection

# The values Procfile.dev gives `simulate_tmf621` (tests/tmf621/test_demo.py keeps them equal).
DEMO_TMF_PARTNER_SLUG = "demo-tmf-supplier"
DEMO_TMF_PARTNER_NAME = "Northway Fibre (simulator)"
DEMO_TMF_BUYER_IDENTIFIER = "NOC-DEMO"
TMF_SIMULATOR_ORIGIN = "https://127.0.0.1:8082"
TMF_SIMULATOR_URL = f"{TMF_SIMULATOR_ORIGIN}/tmf-api/troubleTicket/v4"
TMF_TOKEN_URL = f"{TMF_SIMULATOR_ORIGIN}/oauth/token"
DEMO_TMF_CLIENT_ID = "noc-demo"
DEMO_TMF_CLIENT_SECRET = "demo-tmf-client-secret-not-for-production"
DEMO_TMF_LISTENER_TOKEN = "demo-tmf-listener-token-not-for-production"
DEMO_TMF_CALLBACK_URL = f"http://127.0.0.1:8000/integrations/tmf621/{DEMO_TMF_PARTNER_SLUG}"

# Its contract, not the first supplier's: fault type, priority, target, calendar.
DEMO_TMF_SLA_POLICIES = (
    (FaultType.SERVICE_OUTAGE, None, timedelta(hours=6), SlaCalendar.ALWAYS),
    (FaultType.IMPAIRED_SERVICE, None, timedelta(hours=16), SlaCalendar.BUSINESS_HOURS),
    (FaultType.PERFORMANCE_ISSUE, None, timedelta(hours=40), SlaCalendar.BUSINESS_HOURS),
    ("", None, timedelta(hours=30), SlaCalendar.BUSINESS_HOURS),
)

TMF_HISTORY = HistoryShape(prefix="DEMO-TH", faults=18, still_open=2, seed=20261124,
                           service_prefix="NWF-4")  # fmt: skip

Count = Callable[[str], None]


def demo_tmf_partner_load(pki: DemoPki, count: Count) -> Partner:
    """The TMF621 supplier's partner row, buyer identifier, connection and SLA policies."""
    partner, created = Partner.objects.get_or_create(
        slug=DEMO_TMF_PARTNER_SLUG,
        defaults={
            "name": DEMO_TMF_PARTNER_NAME,
            "protocol": "tmf621",
            "environment": Environment.SIMULATOR,
            "base_url": TMF_SIMULATOR_URL,
        },
    )
    if created:
        count("partners")
    edge = {
        "inbound_auth": InboundAuth.BEARER,
        "allowed_networks": "127.0.0.1/32\n::1/128",
        "ca_bundle_path": str(pki.ca_cert_path),
        "retry_base_seconds": 5.0,
        "retry_max_seconds": 300.0,
    }
    changed = {name: value for name, value in edge.items() if getattr(partner, name) != value}
    # The hash is salted: set only when the stored one does not take the demo token.
    if not secret_matches(
        partner.inbound_secret_hash, DEMO_TMF_LISTENER_TOKEN, strategy=InboundAuth.BEARER
    ):
        changed["inbound_secret_hash"] = hash_secret(
            DEMO_TMF_LISTENER_TOKEN, strategy=InboundAuth.BEARER
        )
    if changed:
        Partner.objects.filter(pk=partner.pk).update(**changed)
        partner.refresh_from_db()
        count("partner connection settings")
    _, created = BuyerIdentifier.objects.get_or_create(
        partner=partner,
        code=DEMO_TMF_BUYER_IDENTIFIER,
        defaults={
            "description": "Our buyer party at the TMF621 supplier",
            "is_default": not partner.buyer_identifiers.filter(is_default=True).exists(),
        },
    )
    if created:
        count("buyer identifiers")
    _connection(partner, count)
    demo_sla_policies(partner, DEMO_TMF_SLA_POLICIES, count)
    return partner


def _connection(partner: Partner, count: Count) -> None:
    connection, created = Tmf621Connection.objects.get_or_create(
        partner=partner,
        defaults={
            "token_url": TMF_TOKEN_URL,
            "client_id": DEMO_TMF_CLIENT_ID,
            "callback_url": DEMO_TMF_CALLBACK_URL,
        },
    )
    if created:
        count("TMF621 connections")
    if not _secret_is(connection.client_secret_encrypted, DEMO_TMF_CLIENT_SECRET):
        # Encryption is randomised too: written only when it does not read back as the demo's.
        connection.client_secret_encrypted = encrypt_secret(DEMO_TMF_CLIENT_SECRET)
        connection.save(update_fields=["client_secret_encrypted"])
        if not created:
            count("TMF621 client secrets")


def _secret_is(stored: str, expected: str) -> bool:
    if not stored:
        return False
    try:
        return decrypt_secret(stored).decode() == expected
    except Exception:  # unreadable under this SECRET_KEY: set it again
        return False


# --- faults ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoTmfFault:
    """A demo fault of the TMF621 supplier: the supplier's statuses in order (TMF621 words,
    with their reason), and what the agent did at the end (`answer`)."""

    reference: str
    fault_type: str
    priority: int
    service_id: str
    description: str
    steps: tuple[tuple[str, str], ...] | None  # None: raised live, for the simulator
    answer: str = ""  # "accept": accepted the resolution


PENDING_REASON = "Please confirm site access hours for the engineer."
HELD_REASON = "Waiting for a splicing team from our civils contractor."
RESOLVED_REASON = "Faulty line card replaced at the exchange; service restored."
OUR_ANSWER = "Site access is 08:00-18:00 on weekdays; ask for the facilities manager."

DEMO_TMF_FAULTS = (
    DemoTmfFault(
        "DEMO-T001",
        FaultType.IMPAIRED_SERVICE,
        2,
        "NWF-300001",
        "Frequent loss of sync since the storm last night.",
        None,
    ),
    DemoTmfFault(
        "DEMO-T002",
        FaultType.IMPAIRED_SERVICE,
        3,
        "NWF-300002",
        "Packet loss of around 3% at busy hour.",
        (("acknowledged", ""), ("inProgress", "")),
    ),
    DemoTmfFault(
        "DEMO-T003",
        FaultType.IMPAIRED_SERVICE,
        2,
        "NWF-300003",
        "No service on the backup line after road works outside.",
        (("acknowledged", ""), ("inProgress", ""), ("held", HELD_REASON)),
    ),
    DemoTmfFault(
        "DEMO-T004",
        FaultType.PERFORMANCE_ISSUE,
        3,
        "NWF-300004",
        "Upload limited to 20 Mbit/s on a 100 Mbit/s product.",
        (("acknowledged", ""), ("inProgress", ""), ("pending", PENDING_REASON)),
    ),
    DemoTmfFault(
        "DEMO-T005",
        FaultType.IMPAIRED_SERVICE,
        2,
        "NWF-300005",
        "Intermittent drops every few minutes during the day.",
        (("acknowledged", ""), ("inProgress", ""), ("resolved", RESOLVED_REASON)),
    ),
    DemoTmfFault(
        "DEMO-T006",
        FaultType.IMPAIRED_SERVICE,
        3,
        "NWF-300006",
        "Line noise heard on the voice service.",
        (
            ("acknowledged", ""),
            ("inProgress", ""),
            ("pending", PENDING_REASON),
            ("inProgress", ""),
            ("resolved", RESOLVED_REASON),
        ),
        answer="accept",
    ),
    DemoTmfFault(
        "DEMO-T007",
        FaultType.PERFORMANCE_ISSUE,
        4,
        "NWF-300007",
        "Latency to the interconnect doubled since the weekend.",
        (
            ("acknowledged", ""),
            ("inProgress", ""),
            ("held", HELD_REASON),
            ("inProgress", ""),
            ("resolved", RESOLVED_REASON),
        ),
        answer="accept",
    ),
    DemoTmfFault(
        "DEMO-T008",
        FaultType.IMPAIRED_SERVICE,
        3,
        "NWF-999999",
        "Raised against a service ID the supplier does not know.",
        (("rejected", "No such service on our network."),),
    ),
)

FAULT_STARTED_BEFORE_RAISE = timedelta(minutes=20)
STEP_APART = timedelta(minutes=25)


def _details() -> dict[str, object]:
    return {
        "fault_location": "Unit 4, Demo Business Park, York YO1 1AA",
        "site_access_details": "Gatehouse staffed around the clock; the cabinet is in bay 2.",
        "site_access_contact_name": "Site Manager",
        "site_access_contact_phone": "01904 496 000",
        "reporter_name": "NOC Agent",
        "reporter_email": "noc@example.test",
        "triage_complete": True,
        "triage_findings": "Line tests from our side are clean up to the supplier's handover.",
    }


def _draft(spec: DemoTmfFault, partner: Partner, by_agent: Actor, raised: datetime) -> Fault:
    return fault_create_draft(
        actor=by_agent,
        supplier=partner,
        service_id=spec.service_id,
        fault_type=spec.fault_type,
        priority=spec.priority,
        description=spec.description,
        buyer_fault_reference=spec.reference,
        fault_start_time=raised - FAULT_STARTED_BEFORE_RAISE,
        **_details(),
    )


def _fault_with_a_past(
    spec: DemoTmfFault, supplier: DemoTmfSupplier, by_agent: Actor, now: datetime
) -> None:
    """Raised so long ago that its last change was STEP_APART before now; each status from the
    supplier, our answer to its request for information, and our answer to its resolution
    STEP_APART from the one before. Call it while `recording_history`."""
    steps = spec.steps or ()
    ours = sum(1 for word, _ in steps if word == "pending") + (1 if spec.answer else 0)
    raised = now - STEP_APART * (len(steps) + ours + 1)
    fault = _draft(spec, supplier.partner, by_agent, raised)
    fault = fault_submit(fault_id=fault.pk, actor=by_agent, at=raised)
    at = raised
    for index, (word, reason) in enumerate(steps):
        at += STEP_APART
        supplier.tell(fault, word, at=at, reason=reason)
        if word == "pending" and index < len(steps) - 1:
            at += STEP_APART  # we answer what it asked; it carries on
            fault_comment_add(fault_id=fault.pk, actor=by_agent, text=OUR_ANSWER, at=at)
    if spec.answer == "accept":
        at += STEP_APART
        fault_accept_resolution(fault_id=fault.pk, actor=by_agent, at=at)
    demo_backdate(fault, submitted=raised, last_change=at)


def demo_tmf_faults_load(
    partner: Partner, agent: AbstractUser, now: datetime, count: Count
) -> None:
    """The TMF621 supplier's demo faults and history that do not exist yet."""
    by_agent = Actor.for_user(agent)
    existing = set(
        Fault.objects.filter(
            buyer_fault_reference__in=[spec.reference for spec in DEMO_TMF_FAULTS]
        ).values_list("buyer_fault_reference", flat=True)
    )
    supplier = DemoTmfSupplier(partner)
    for spec in DEMO_TMF_FAULTS:
        if spec.reference in existing:
            continue
        if spec.steps is None:
            # Raised now: its raise goes to the TMF621 simulator for real.
            fault = _draft(spec, partner, by_agent, now)
            fault_submit(fault_id=fault.pk, actor=by_agent, at=now)
        else:
            with recording_history():
                _fault_with_a_past(spec, supplier, by_agent, now)
        count("faults")
    with recording_history():
        created = demo_history_load(supplier=supplier, agent=agent, shape=TMF_HISTORY)
    for _ in range(created):
        count("history faults")
