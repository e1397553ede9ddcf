"""Demo data for `make run`: two simulator partners, their SLA policies, one user per role and a
few faults in different states, all made through the services so their timelines are real.

The first partner points at the local supplier Ticketing API simulator over mutual TLS, with the
certificates of a demo PKI under var/certs (made on first load) and the simulator's client
certificate pinned. The second is a wholesaler that speaks TMF621, played by its own simulator
(`devtools.demo_tmf`). The demo faults' history already happened, in the hours before the load:
their outbound messages are recorded as delivered and the supplier's notifications as received
and applied, each at the time it happened (`recording_history`), except the raise of each
supplier's pending fault: its simulator receives it when `make run` starts and walks that fault
through its life.

Loading is idempotent: everything is looked up by a fixed key (slug, code, username, buyer fault
reference) and left alone when it exists, so a second load writes nothing.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.db import transaction
from django.utils import timezone

from devtools.demo_history import demo_backdate, demo_history_load, recording_history
from devtools.demo_partners import demo_client_tls, demo_partner_settings, demo_sla_policies
from devtools.demo_supplier import DemoSupplier
from devtools.demo_tep import demo_tep_partner_load
from devtools.demo_tmf import demo_tmf_faults_load, demo_tmf_partner_load
from devtools.pki import DemoPki, ensure_demo_pki
from faults.choices import FaultStatus, FaultType, SlaCalendar
from faults.exceptions.services import exceptions_sweep
from faults.models import Fault
from faults.roles import ADMIN, AGENT, MANAGER, ensure_role_groups
from faults.services import (
    Actor,
    fault_accept_resolution,
    fault_cancel,
    fault_comment_add,
    fault_create_draft,
    fault_submit,
)
from integrations.certificates import certificates_sweep
from integrations.choices import Environment
from integrations.models import BuyerIdentifier, Partner

DEFAULT_DEMO_PASSWORD = "demo-password-123"
DEMO_PARTNER_SLUG = "demo-supplier"
DEMO_BUYER_IDENTIFIER = "SPDEV1"

# username, role, is_staff, is_superuser. Only the admin may use the Django admin.
DEMO_USERS = (
    ("agent", AGENT, False, False),
    ("manager", MANAGER, False, False),
    ("admin", ADMIN, True, True),
)

# fault type, priority, target, calendar. Business hours are 08:00-18:00, so a business day is 10 h.
DEMO_SLA_POLICIES = (
    (FaultType.SERVICE_OUTAGE, 1, timedelta(hours=5), SlaCalendar.ALWAYS),
    (FaultType.SERVICE_OUTAGE, 2, timedelta(hours=8), SlaCalendar.ALWAYS),
    (FaultType.SERVICE_OUTAGE, None, timedelta(hours=24), SlaCalendar.ALWAYS),
    (FaultType.IMPAIRED_SERVICE, None, timedelta(hours=20), SlaCalendar.BUSINESS_HOURS),
    (FaultType.PERFORMANCE_ISSUE, None, timedelta(hours=50), SlaCalendar.BUSINESS_HOURS),
    ("", None, timedelta(hours=30), SlaCalendar.BUSINESS_HOURS),
)


@dataclass
class DemoSummary:
    created: dict[str, int] = field(default_factory=dict)
    users: tuple[str, ...] = ()

    def count(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created)


SIMULATOR_URL = "https://127.0.0.1:8081/"


def _partner(summary: DemoSummary, pki: DemoPki) -> Partner:
    partner, created = Partner.objects.get_or_create(
        slug=DEMO_PARTNER_SLUG,
        defaults={
            "name": "Demo Supplier (simulator)",
            "protocol": "cityfibre",
            "environment": Environment.SIMULATOR,
            "base_url": SIMULATOR_URL,
        },
    )
    if created:
        summary.count("partners")
    demo_partner_settings(
        partner, demo_client_tls(pki), summary.count, "partner certificate settings"
    )
    _, created = BuyerIdentifier.objects.get_or_create(
        partner=partner,
        code=DEMO_BUYER_IDENTIFIER,
        defaults={
            "description": "Development buyer identifier",
            "is_default": not partner.buyer_identifiers.filter(is_default=True).exists(),
        },
    )
    if created:
        summary.count("buyer identifiers")
    return partner


def _user(
    username: str, group: Group, *, staff: bool, superuser: bool, password: str
) -> tuple[AbstractUser, bool]:
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={
            "email": f"{username}@example.test",
            "is_staff": staff,
            "is_superuser": superuser,
        },
    )
    # Checked rather than set: setting re-salts the hash, which would change the row every load.
    if created or not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    user.groups.add(group)
    return user, created


def _users(password: str, summary: DemoSummary) -> dict[str, AbstractUser]:
    groups = ensure_role_groups()
    users = {}
    for username, role, staff, superuser in DEMO_USERS:
        users[username], created = _user(
            username, groups[role], staff=staff, superuser=superuser, password=password
        )
        if created:
            summary.count("users")
    summary.users = tuple(users)
    return users


# --- faults ----------------------------------------------------------------------------------

SUPPLIER_STEPS: dict[str, tuple[str, ...]] = {
    FaultStatus.DRAFT: (),
    FaultStatus.PENDING: (),
    FaultStatus.ACCEPTED: (FaultStatus.ACCEPTED,),
    FaultStatus.IN_PROGRESS: (FaultStatus.ACCEPTED, FaultStatus.IN_PROGRESS),
    FaultStatus.ON_HOLD: (FaultStatus.ACCEPTED, FaultStatus.IN_PROGRESS, FaultStatus.ON_HOLD),
    FaultStatus.RESOLVED: (FaultStatus.ACCEPTED, FaultStatus.IN_PROGRESS, FaultStatus.RESOLVED),
    FaultStatus.CLOSED: (FaultStatus.ACCEPTED, FaultStatus.RESOLVED),
    FaultStatus.REJECTED: (FaultStatus.REJECTED,),
    FaultStatus.CANCELLED: (FaultStatus.ACCEPTED,),
}

STEP_REASONS = {
    FaultStatus.ON_HOLD: "Awaiting access to the end user's premises.",
    FaultStatus.RESOLVED: "Faulty ONT replaced; service restored.",
    FaultStatus.REJECTED: "Service ID not recognised on our network.",
}


@dataclass(frozen=True)
class DemoFault:
    reference: str
    status: str
    fault_type: str
    priority: int
    service_id: str
    description: str


DEMO_FAULTS = (
    DemoFault(
        "DEMO-0001",
        FaultStatus.DRAFT,
        FaultType.SERVICE_OUTAGE,
        1,
        "CFH-100001",
        "Total loss of service since this morning; not yet sent to the supplier.",
    ),
    DemoFault(
        "DEMO-0002",
        FaultStatus.PENDING,
        FaultType.IMPAIRED_SERVICE,
        2,
        "CFH-100002",
        "Line drops several times an hour.",
    ),
    DemoFault(
        "DEMO-0003",
        FaultStatus.ACCEPTED,
        FaultType.IMPAIRED_SERVICE,
        3,
        "CFH-100003",
        "Packet loss of 5-10% in the evenings.",
    ),
    DemoFault(
        "DEMO-0004",
        FaultStatus.IN_PROGRESS,
        FaultType.PERFORMANCE_ISSUE,
        3,
        "CFH-100004",
        "Throughput capped at 300 Mbit/s on a 900 Mbit/s product.",
    ),
    DemoFault(
        "DEMO-0005",
        FaultStatus.ON_HOLD,
        FaultType.IMPAIRED_SERVICE,
        2,
        "CFH-100005",
        "Intermittent loss of sync; engineer needs access to the premises.",
    ),
    DemoFault(
        "DEMO-0006",
        FaultStatus.RESOLVED,
        FaultType.IMPAIRED_SERVICE,
        2,
        "CFH-100006",
        "No light at the ONT after building works.",
    ),
    DemoFault(
        "DEMO-0007",
        FaultStatus.CLOSED,
        FaultType.PERFORMANCE_ISSUE,
        4,
        "CFH-100007",
        "High latency to the supplier's interconnect.",
    ),
    DemoFault(
        "DEMO-0008",
        FaultStatus.REJECTED,
        FaultType.IMPAIRED_SERVICE,
        3,
        "CFH-999999",
        "Raised against a service ID the supplier does not know.",
    ),
    DemoFault(
        "DEMO-0009",
        FaultStatus.CANCELLED,
        FaultType.IMPAIRED_SERVICE,
        3,
        "CFH-100009",
        "Raised in error: the end user's router was switched off.",
    ),
)


def _maintainer_reference(spec: DemoFault) -> str:
    return spec.reference.replace("DEMO-", "CF-DEMO-")


# The demo faults' past: the fault started FAULT_STARTED_AGO, was raised RAISED_AGO, and each
# change after that came STEP_APART from the one before (at most four: all in the past).
FAULT_STARTED_AGO = timedelta(hours=3)
RAISED_AGO = timedelta(hours=2, minutes=40)
STEP_APART = timedelta(minutes=30)


def _fault_details(now: datetime) -> dict[str, object]:
    return {
        "fault_start_time": now - FAULT_STARTED_AGO,
        "fault_location": "Ground floor comms cupboard, 1 Demo Street, Leeds LS1 1AA",
        "site_access_details": "Reception is staffed 08:00-18:00; ask for the facilities manager.",
        "site_access_contact_name": "Facilities Manager",
        "site_access_contact_phone": "0113 496 0000",
        "reporter_name": "NOC Agent",
        "reporter_email": "noc@example.test",
        "triage_complete": True,
        "triage_findings": "Remote tests show the fault is on the supplier's side of the NTE.",
    }


def _draft(spec: DemoFault, partner: Partner, agent: AbstractUser, now: datetime) -> Fault:
    return fault_create_draft(
        actor=Actor.for_user(agent),
        supplier=partner,
        service_id=spec.service_id,
        fault_type=spec.fault_type,
        priority=spec.priority,
        description=spec.description,
        buyer_fault_reference=spec.reference,
        **_fault_details(now),
    )


def _fault_with_a_past(
    spec: DemoFault, supplier: DemoSupplier, agent: AbstractUser, now: datetime
) -> Fault:
    """A demo fault raised RAISED_AGO, moved by the supplier's notifications and our answers
    STEP_APART, as it would have been. Call it while `recording_history`."""
    by_agent = Actor.for_user(agent)
    fault = _draft(spec, supplier.partner, agent, now)
    raised = now - RAISED_AGO
    fault = fault_submit(fault_id=fault.pk, actor=by_agent, at=raised)
    at = raised
    for status in SUPPLIER_STEPS[spec.status]:
        at += STEP_APART
        supplier.notify(
            fault,
            status=status,
            at=at,
            reason=STEP_REASONS.get(status, ""),
            maintainer_fault_reference=(
                _maintainer_reference(spec) if status == FaultStatus.ACCEPTED else ""
            ),
        )
    at += STEP_APART
    if spec.status == FaultStatus.IN_PROGRESS:
        fault_comment_add(
            fault_id=fault.pk, actor=by_agent, text="End user confirms the issue persists.", at=at
        )
    elif spec.status == FaultStatus.CLOSED:
        fault_accept_resolution(fault_id=fault.pk, actor=by_agent, at=at)
    elif spec.status == FaultStatus.CANCELLED:
        fault_cancel(fault_id=fault.pk, actor=by_agent, reason="Raised in error.", at=at)
    else:
        at -= STEP_APART
    demo_backdate(fault, submitted=raised, last_change=at)
    return fault


def _faults(supplier: DemoSupplier, agent: AbstractUser, summary: DemoSummary) -> None:
    existing = set(
        Fault.objects.filter(
            buyer_fault_reference__in=[spec.reference for spec in DEMO_FAULTS]
        ).values_list("buyer_fault_reference", flat=True)
    )
    now = timezone.now()
    for spec in DEMO_FAULTS:
        if spec.reference in existing:
            continue
        if spec.status == FaultStatus.DRAFT:
            _draft(spec, supplier.partner, agent, now)
        elif spec.status == FaultStatus.PENDING:
            # Raised now: its raise goes to the simulator for real.
            fault = _draft(spec, supplier.partner, agent, now)
            fault_submit(fault_id=fault.pk, actor=Actor.for_user(agent), at=now)
        else:
            with recording_history():  # the rest already happened: nothing is sent
                _fault_with_a_past(spec, supplier, agent, now)
        summary.count("faults")


@transaction.atomic
def demo_data_load(
    *, password: str = DEFAULT_DEMO_PASSWORD, pki_dir: Path | None = None
) -> DemoSummary:
    """Load the demo data; returns what was created (nothing on a second load)."""
    summary = DemoSummary()
    pki = ensure_demo_pki(pki_dir or Path(settings.DEMO_PKI_DIR))
    partner = _partner(summary, pki)
    demo_sla_policies(partner, DEMO_SLA_POLICIES, summary.count)
    users = _users(password, summary)
    supplier = DemoSupplier(partner)
    _faults(supplier, users["agent"], summary)
    with recording_history():
        history = demo_history_load(supplier=supplier, agent=users["agent"])
    for _ in range(history):
        summary.count("history faults")
    tmf_partner = demo_tmf_partner_load(pki, summary.count)
    demo_tmf_faults_load(tmf_partner, users["agent"], timezone.now(), summary.count)
    demo_tep_partner_load(pki, summary.count)
    # The exception rules over the demo's faults now, not at beat's first sweep minutes later.
    for _ in range(exceptions_sweep().raised):
        summary.count("ticket exceptions")
    # The partners' certificates on the health page now, not at beat's first sweep an hour later.
    certificates_sweep()
    return summary
