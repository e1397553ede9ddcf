"""The demo's third partner: a wholesaler reached through the SOAP Ticket Exchange Platform (TEP),
played by `manage.py simulate_tep` on https://127.0.0.1:8083/ (`Procfile.dev`): TEP and the
supplier behind it. We call it with the demo PKI's buyer client certificate (mutual TLS, as TEP
asks) and poll it for the supplier's messages (GetTicket and GetReceipt). The seed allows one
call of each a minute; the partner is a "Local simulator", so `make run` polls it every 5 s
(TEP_SIMULATOR_POLL_SECONDS, and `--poll-interval 5` on the simulator) and a raised fault moves
every few seconds. Its PartnerIDs and conversation role are the simulator's defaults.

Like the rest of the demo, everything is looked up by a fixed key and left alone when it exists.
"""

from collections.abc import Callable
from datetime import timedelta

from devtools.demo_partners import demo_client_tls, demo_partner_settings, demo_sla_policies
from devtools.pki import DemoPki
from faults.choices import FaultType, SlaCalendar
from integrations.choices import Environment
from integrations.models import BuyerIdentifier, Partner
from integrations.tep.models import ReceiveMode, TepConnection

DEMO_TEP_PARTNER_SLUG = "demo-tep-partner"
DEMO_TEP_PARTNER_NAME = "Eastbridge Fibre via TEP (simulator)"
DEMO_TEP_BUYER_IDENTIFIER = "NOC-TEP"
TEP_SIMULATOR_URL = "https://127.0.0.1:8083"
# The simulator's defaults (integrations.tep.simulator).
OUR_PARTNER_ID = 1001
THEIR_PARTNER_ID = 2002
CONVERSATION_ROLE_ID = 10

DEMO_TEP_SLA_POLICIES = (
    (FaultType.SERVICE_OUTAGE, None, timedelta(hours=8), SlaCalendar.ALWAYS),
    (FaultType.IMPAIRED_SERVICE, None, timedelta(hours=20), SlaCalendar.BUSINESS_HOURS),
    (FaultType.PERFORMANCE_ISSUE, None, timedelta(hours=40), SlaCalendar.BUSINESS_HOURS),
    ("", None, timedelta(hours=30), SlaCalendar.BUSINESS_HOURS),
)

Count = Callable[[str], None]


def demo_tep_partner_load(pki: DemoPki, count: Count) -> Partner:
    """The TEP partner's row, buyer identifier, TEP connection and SLA policies."""
    partner, created = Partner.objects.get_or_create(
        slug=DEMO_TEP_PARTNER_SLUG,
        defaults={
            "name": DEMO_TEP_PARTNER_NAME,
            "protocol": "tep",
            "environment": Environment.SIMULATOR,
            "base_url": TEP_SIMULATOR_URL,
        },
    )
    if created:
        count("partners")
    demo_partner_settings(partner, demo_client_tls(pki), count, "partner certificate settings")
    _, created = BuyerIdentifier.objects.get_or_create(
        partner=partner,
        code=DEMO_TEP_BUYER_IDENTIFIER,
        defaults={
            "description": "Our buyer identifier at the TEP partner",
            "is_default": not partner.buyer_identifiers.filter(is_default=True).exists(),
        },
    )
    if created:
        count("buyer identifiers")
    _, created = TepConnection.objects.get_or_create(
        partner=partner,
        defaults={
            "our_partner_id": OUR_PARTNER_ID,
            "their_partner_id": THEIR_PARTNER_ID,
            "conversation_role_id": CONVERSATION_ROLE_ID,
            "receive_mode": ReceiveMode.POLLING,
        },
    )
    if created:
        count("TEP connections")
    demo_sla_policies(partner, DEMO_TEP_SLA_POLICIES, count)
    return partner
