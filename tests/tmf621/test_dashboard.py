"""A fault of each supplier on the SLA dashboard, with its pauses counted per the mapping.

The TMF621 supplier's faults are moved as its listener moves them: each status word read with
`integrations.tmf621.mapping.from_tmf` (with the connection's holds setting) and applied with
`faults.services.fault_apply_supplier_report`. So `pending` (the supplier waits on us) pauses the
SLA; `held` (the supplier is stuck on its own side) keeps it running, unless the connection says
the supplier's holds pause it. The other supplier's on-hold pauses it as before."""

import csv
from dataclasses import dataclass
from datetime import datetime, timedelta

import lxml.html
import pytest
from django.urls import reverse
from django.utils import timezone

from faults.choices import FaultStatus, SlaState
from faults.models import Fault
from faults.services import (
    Actor,
    SupplierReport,
    fault_apply_supplier_report,
    fault_apply_supplier_status,
    fault_submit,
)
from integrations.models import Partner
from integrations.tmf621.mapping import HELD_PREFIX, PENDING_PREFIX, from_tmf, reason_with_prefix
from integrations.tmf621.models import Tmf621Connection
from tests.factories import BuyerIdentifierFactory, FaultFactory, PartnerFactory, SlaPolicyFactory

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)
PENDING_REASON = "Please confirm site access hours"
HELD_REASON = "Waiting for a splicing team"


def tmf_supplier(slug: str, name: str, *, holds_pause_sla: bool) -> Partner:
    partner = PartnerFactory(
        slug=slug,
        name=name,
        protocol="tmf621",
        base_url="http://127.0.0.1:9/tmf-api/troubleTicket/v4",
    )
    BuyerIdentifierFactory(partner=partner, code="NOC-TMF", is_default=True)
    SlaPolicyFactory(partner=partner, target=timedelta(hours=24))
    Tmf621Connection.objects.create(
        partner=partner,
        token_url="http://127.0.0.1:9/oauth/token",
        client_id="noc",
        holds_pause_sla=holds_pause_sla,
    )
    return partner


@dataclass
class TmfTicket:
    """A TMF621 supplier's ticket of one of our faults, told to us status by status."""

    fault: Fault
    ticket_id: str

    def tell(self, word: str, at: datetime, reason: str = "") -> Fault:
        mapped = from_tmf(word, holds_pause_sla=self.fault.supplier.tmf621.holds_pause_sla)
        report = SupplierReport(
            sent_at=at,
            status=mapped.status,
            status_reason=reason_with_prefix(mapped, reason),
            maintainer_fault_reference=self.ticket_id,
        )
        actor = Actor.partner(f"{self.ticket_id}:{at.isoformat()}")
        return fault_apply_supplier_report(fault_id=self.fault.pk, report=report, actor=actor)


def raised(partner: Partner, at: datetime, priority: int = 2) -> Fault:
    fault = FaultFactory(supplier=partner, priority=priority)
    return fault_submit(fault_id=fault.pk, actor=Actor.system("test"), at=at)


def tmf_fault(partner: Partner, start: datetime, words: list[tuple[str, str]]) -> Fault:
    """Raised at `start`; then each (word, reason) an hour after the one before."""
    fault = raised(partner, start)
    ticket = TmfTicket(fault, f"TT-{fault.pk}")
    at = start
    for word, reason in words:
        at += HOUR
        fault = ticket.tell(word, at, reason)
    return fault


# acknowledged +1 h, inProgress +2 h, <stop> +3 h (told again +4 h), inProgress +5 h, resolved
# +6 h: raised to resolved in 6 h, of which 2 h stopped (on hold when the stop pauses the SLA).
def stopped_for_two_hours(word: str, reason: str) -> list[tuple[str, str]]:
    return [
        ("acknowledged", ""),
        ("inProgress", ""),
        (word, reason),
        (word, reason),
        ("inProgress", ""),
        ("resolved", "Line card replaced"),
    ]


@pytest.fixture
def faults_of_each_supplier(partner, buyer_identifier, sla_policy):
    """Resolved and open faults of three suppliers: the Ticketing API one, a TMF621 one whose
    holds do not pause the SLA, and a TMF621 one whose contract says they do."""
    tmf = tmf_supplier("tmf-wholesale", "TMF Wholesale", holds_pause_sla=False)
    tmf_paused = tmf_supplier("tmf-holds-pause", "TMF Holds Pause", holds_pause_sla=True)
    start = timezone.now() - timedelta(hours=12)

    ticketing = raised(partner, start)
    for hours, status in (
        (1, "accepted"),
        (2, "in-progress"),
        (3, "on-hold"),
        (5, "in-progress"),
        (6, "resolved"),
    ):
        fault_apply_supplier_status(
            fault_id=ticketing.pk,
            status=status,
            actor=Actor.partner(f"CF-{hours}"),
            sent_at=start + hours * HOUR,
        )
    return {
        "ticketing": Fault.objects.get(pk=ticketing.pk),
        "pending": tmf_fault(tmf, start, stopped_for_two_hours("pending", PENDING_REASON)),
        "held": tmf_fault(tmf, start, stopped_for_two_hours("held", HELD_REASON)),
        "held, pausing": tmf_fault(tmf_paused, start, stopped_for_two_hours("held", HELD_REASON)),
        "open pending": tmf_fault(
            tmf, start, [("acknowledged", ""), ("inProgress", ""), ("pending", PENDING_REASON)]
        ),
        "open held": tmf_fault(
            tmf, start, [("acknowledged", ""), ("inProgress", ""), ("held", HELD_REASON)]
        ),
        "tmf": tmf,
        "tmf_paused": tmf_paused,
    }


def test_pending_pauses_the_sla_and_held_keeps_it_running(faults_of_each_supplier):
    faults = faults_of_each_supplier
    two_hours = 2 * 3600

    assert faults["ticketing"].sla_paused_seconds == two_hours
    assert faults["pending"].sla_paused_seconds == two_hours
    assert faults["held"].sla_paused_seconds == 0
    assert not faults["held"].sla_pauses.exists()
    assert faults["held, pausing"].sla_paused_seconds == two_hours

    # Still open: the one waiting on us is on hold, paused, and says what the supplier needs;
    # the one the supplier holds on its side is in progress, its SLA running, the reason shown.
    waiting_on_us = faults["open pending"]
    assert waiting_on_us.status == FaultStatus.ON_HOLD
    assert waiting_on_us.sla_state == SlaState.PAUSED
    assert waiting_on_us.status_reason == f"{PENDING_PREFIX}: {PENDING_REASON}"
    held = faults["open held"]
    assert held.status == FaultStatus.IN_PROGRESS
    assert held.sla_state == SlaState.RUNNING
    assert held.status_reason == f"{HELD_PREFIX}: {HELD_REASON}"
    assert not held.sla_pauses.exists()


def dashboard_rows(html: str, table_id: str) -> dict[str, dict[str, str]]:
    """A dashboard table as the manager reads it: supplier name → column label → cell text."""
    table = lxml.html.fromstring(html).get_element_by_id(table_id)
    rows = {}
    for tr in table.xpath("./tbody/tr"):
        supplier = tr.xpath("./th")[0].text_content().strip()
        cells = {
            td.get("data-label"): td.text_content().strip()
            for td in tr.xpath("./td")
            if td.get("data-label")
        }
        rows[supplier] = cells
    return rows


def open_by_status(html: str) -> dict[str, dict[str, str]]:
    """The "Open now" table: supplier name → status heading → count."""
    table = lxml.html.fromstring(html).get_element_by_id("table-open")
    headings = [th.text_content().strip() for th in table.xpath("./thead/tr[last()]/th")]
    rows = {}
    for tr in table.xpath("./tbody/tr"):
        cells = [cell.text_content().strip() for cell in tr.xpath("./th|./td")]
        rows[cells[0]] = dict(zip(headings, cells, strict=True))
    return rows


def test_each_supplier_on_the_dashboard_with_its_pauses_counted(
    manager_client, faults_of_each_supplier
):
    response = manager_client.get(reverse("sla-dashboard"))
    assert response.status_code == 200
    html = response.content.decode()

    repair = dashboard_rows(html, "table-repair")
    # The Ticketing API supplier: 6 h raised to resolved, 2 h of it on hold.
    assert repair["Test Supplier"]["Mean time to repair"] == "4 h 0 m"
    assert repair["Test Supplier"]["Mean with on-hold"] == "6 h 0 m"
    assert repair["Test Supplier"]["On-hold share"] == "33.3 %"
    # The TMF621 supplier: its pending fault waited 2 h on us, its held fault none (the 2 h it
    # was held count as its own time): (4 h + 6 h) / 2 without on-hold, 2 h of 12 h on hold.
    assert repair["TMF Wholesale"]["Resolved"] == "2"
    assert repair["TMF Wholesale"]["Mean time to repair"] == "5 h 0 m"
    assert repair["TMF Wholesale"]["Mean with on-hold"] == "6 h 0 m"
    assert repair["TMF Wholesale"]["On-hold share"] == "16.7 %"
    # Whose contract says its holds pause the SLA: the same 2 h held are on hold.
    assert repair["TMF Holds Pause"]["Mean time to repair"] == "4 h 0 m"
    assert repair["TMF Holds Pause"]["On-hold share"] == "33.3 %"

    still_open = open_by_status(html)["TMF Wholesale"]
    assert still_open["On hold"] == "1"  # waiting for our information
    assert still_open["In progress"] == "1"  # held on the supplier's side
    assert still_open["Resolved"] == "2"  # waiting for our answer
    assert still_open["Total"] == "4"


def test_the_dashboard_filtered_to_the_tmf_supplier_shows_only_its_faults(
    manager_client, faults_of_each_supplier
):
    tmf = faults_of_each_supplier["tmf"]
    response = manager_client.get(reverse("sla-dashboard"), {"supplier": tmf.pk})

    html = response.content.decode()
    assert set(dashboard_rows(html, "table-repair")) == {"TMF Wholesale"}
    dashboard = response.context["dashboard"]
    assert dashboard.total.resolved == 2
    assert dashboard.total.open_total == 4


def test_missed_appointments_do_not_apply_to_a_supplier_that_books_none(
    manager_client, faults_of_each_supplier
):
    """TMF621 books no engineer appointments through us: its missed-appointment cells say "—"
    (not a 0 that reads as "none missed"); the Ticketing API supplier's count as before, and so
    does the CSV (an empty cell for the TMF621 supplier)."""
    response = manager_client.get(reverse("sla-dashboard"))
    table = lxml.html.fromstring(response.content.decode()).get_element_by_id("table-other")
    cells = {
        tr.xpath("./th")[0].text_content().strip(): [
            td.text_content().strip() for td in tr.xpath("./td")
        ]
        for tr in table.xpath("./tbody/tr")
    }

    # Priority; seller, end user, other; then rejected raises.
    assert cells["Test Supplier"][1:4] == ["0", "0", "0"]
    assert cells["TMF Wholesale"][1:4] == ["—", "—", "—"]
    assert cells["TMF Wholesale"][4] == "0"

    export = manager_client.get(reverse("sla-dashboard-export"))
    lines = b"".join(export.streaming_content).decode().splitlines()
    header = next(csv.reader([lines[1]]))
    missed = [i for i, name in enumerate(header) if name.startswith("missed_appointments_")]
    rows = [row for row in csv.reader(lines) if row and row[0] == "TMF Wholesale"]
    assert missed and rows
    assert all(row[i] == "" for row in rows for i in missed)
