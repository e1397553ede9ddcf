"""What goes wrong between us and a TMF621 supplier, over real sockets with a real worker: the
access token expires mid-run, the supplier is down for a while, its events come twice and out of
order. Nothing is lost, nothing applied twice, and what we send arrives in the order we wrote it."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from faults.choices import EventKind, PartnerOperation
from faults.models import Fault, FaultEvent
from integrations.choices import OutboundStatus
from integrations.models import InboundMessage, OutboundMessage, Partner
from tests.e2e.fault_life import all_settled, anomalies, reaches, statuses
from tests.e2e.processes import wait_for
from tests.tmf621.e2e.conftest import BUYER, SLUG, point_partner_at, raise_tmf_fault
from tests.tmf621.e2e.rig import port_in_range

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

OUR_ANSWER = "Access is 24/7 through the gatehouse."


def api_calls(simulator, reference: str) -> list[tuple[str, str]]:
    """The calls the simulator answered about our fault's ticket, in order: (method, path under
    the API's base)."""
    ticket_id = simulator.ticket(reference)["ticket"]["id"]
    return [
        (entry["method"], entry["path"].rsplit("/tmf-api/troubleTicket/v4/", 1)[-1])
        for entry in simulator.state()["received"]
        if entry.get("ticket_id") == ticket_id
    ]


def token_grants(simulator) -> list[dict]:
    """The access tokens the simulator's token endpoint gave."""
    return [
        entry
        for entry in simulator.state()["received"]
        if entry["path"].rstrip("/") == "/oauth/token" and entry["http_status"] == 200
    ]


def test_an_expired_access_token_is_renewed_and_nothing_is_lost(tmf_simulator, start_worker, api):
    start_worker()
    reference = raise_tmf_fault(api, "SIM-PENDING-0101")
    fault = reaches(reference, "on-hold")
    grants_before = len(token_grants(tmf_simulator))

    # Mid-run, every token the supplier issued ends; our cached one with it.
    tmf_simulator.configure(expire_tokens=True)
    answer = api.post(
        f"{api.base_url}/faults/{reference}/comments/", json={"text": OUR_ANSWER}, timeout=10
    )
    assert answer.status_code == 201, answer.text

    reaches(reference, "resolved")
    answer = api.post(f"{api.base_url}/faults/{reference}/accept-resolution/", timeout=10)
    assert answer.status_code == 200, answer.text
    wait_for(
        lambda: tmf_simulator.ticket(reference)["ticket"]["status"] == "closed",
        timeout=60,
        what="the simulator to close the ticket",
    )
    wait_for(all_settled, timeout=60, what="every message delivered and applied")

    # Our comment went with the ended token, was refused 401, and went again, once, with a new
    # token asked for with our credentials; the partner was never flagged.
    assert len(token_grants(tmf_simulator)) > grants_before
    patches = [
        entry["http_status"]
        for entry in tmf_simulator.state()["received"]
        if entry["method"] == "PATCH" and fault.maintainer_fault_reference in entry["path"]
    ]
    assert patches[:2] == [401, 200]
    assert patches.count(200) == 2  # the comment, then the acceptance
    partner = Partner.objects.get(slug=SLUG)
    assert partner.credentials_broken_at is None
    sent = OutboundMessage.objects.filter(fault__buyer_fault_reference=reference)
    assert set(sent.values_list("status", flat=True)) == {OutboundStatus.DELIVERED}
    assert statuses(reference)[-1] == "closed"
    assert anomalies(reference) == []


def test_the_supplier_down_for_a_while_gets_everything_later_in_order(
    tmf_partner, start_tmf_simulator, start_worker, api
):
    start_worker()
    port = port_in_range()  # nobody listens there yet: the supplier is down
    point_partner_at(tmf_partner, port)
    reference = raise_tmf_fault(api, "SIM-0201")
    answer = api.post(
        f"{api.base_url}/faults/{reference}/comments/", json={"text": OUR_ANSWER}, timeout=10
    )
    assert answer.status_code == 201, answer.text
    raised = OutboundMessage.objects.get(
        fault__buyer_fault_reference=reference, operation=PartnerOperation.RAISE
    )
    wait_for(
        lambda: OutboundMessage.objects.get(pk=raised.pk).attempts >= 2,
        timeout=60,
        what="the raise to be tried while the supplier is down",
    )
    waiting = OutboundMessage.objects.filter(fault__buyer_fault_reference=reference)
    assert set(waiting.values_list("status", flat=True)) <= {
        OutboundStatus.PENDING,
        OutboundStatus.SENDING,
    }
    assert status_is(reference, "pending")

    # The supplier comes back on the same port: the raise, then the comment, in that order.
    simulator = start_tmf_simulator(port=port)
    reaches(reference, "resolved")
    wait_for(all_settled, timeout=60, what="every message delivered and applied")
    calls = api_calls(simulator, reference)
    ticket_id = simulator.ticket(reference)["ticket"]["id"]
    assert calls[:2] == [("POST", "troubleTicket"), ("PATCH", f"troubleTicket/{ticket_id}")]
    notes = [note["text"] for note in simulator.ticket(reference)["ticket"].get("note", [])]
    assert OUR_ANSWER in notes
    delivered = list(waiting.order_by("id").values_list("operation", "delivered_at"))
    assert [operation for operation, _ in delivered] == [
        PartnerOperation.RAISE,
        PartnerOperation.COMMENT,
    ]
    assert delivered[0][1] <= delivered[1][1]
    assert statuses(reference) == ["pending", "accepted", "in-progress", "resolved"]


def status_is(reference: str, status: str) -> bool:
    return Fault.objects.get(buyer_fault_reference=reference).status == status


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def status_event(fault: Fault, status: str, at: datetime, event_id: str | None = None) -> dict:
    """A whole-ticket troubleTicketStatusChangeEvent as the supplier sends it."""
    ticket = {
        "id": fault.maintainer_fault_reference,
        "href": f"https://supplier.example/tmf-api/troubleTicket/v4/troubleTicket/"
        f"{fault.maintainer_fault_reference}",
        "externalId": fault.buyer_fault_reference,
        "description": fault.description,
        "severity": "Medium",
        "priority": 4,
        "ticketType": "Customer_Trouble_Ticket",
        "status": status,
        "statusChangeDate": _iso(at),
        "lastUpdate": _iso(at),
        "creationDate": _iso(fault.submitted_at),
        "relatedEntity": [
            {"id": fault.service_id, "role": "affectedService", "@referredType": "Product"}
        ],
        "relatedParty": [{"id": BUYER, "role": "buyer", "@referredType": "Organization"}],
    }
    return {
        "eventId": event_id or str(uuid.uuid4()),
        "eventTime": _iso(at),
        "eventType": "troubleTicketStatusChangeEvent",
        "event": {"troubleTicket": ticket},
    }


def test_duplicate_and_out_of_order_events_are_applied_once_and_never_backwards(
    tmf_simulator, start_worker, api, post_event
):
    start_worker()
    # A silent ticket: the supplier acknowledges the raise and sends nothing; we play its events.
    reference = raise_tmf_fault(api, "SIM-SILENT-0301")
    fault = reaches(reference, "accepted")
    wait_for(all_settled, timeout=60, what="the raise delivered")
    fault = Fault.objects.get(pk=fault.pk)
    started = timezone.now()
    in_progress = status_event(fault, "inProgress", started + timedelta(seconds=1))
    resolved = status_event(fault, "resolved", started + timedelta(seconds=2))

    # The later event first, then the earlier one, then the later one again.
    answers = [post_event(resolved), post_event(in_progress), post_event(resolved)]

    assert [answer.status_code for answer in answers] == [201, 201, 201]
    assert [answer.json()["id"] for answer in answers] == [
        resolved["eventId"],
        in_progress["eventId"],
        resolved["eventId"],
    ]
    wait_for(all_settled, timeout=60, what="every event applied")
    assert Fault.objects.get(pk=fault.pk).status == "resolved"
    assert statuses(reference) == ["pending", "accepted", "resolved"]
    stale = FaultEvent.objects.get(fault=fault, kind=EventKind.STALE_STATUS)
    assert stale.to_status == "in-progress"
    stored = InboundMessage.objects.filter(fault=fault).exclude(
        message_type__iexact="troubleTicket"
    )
    assert stored.count() == 2  # the duplicate was recognised, not stored again
    assert sum(stored.values_list("duplicates_received", flat=True)) == 1
    assert anomalies(reference) == []
