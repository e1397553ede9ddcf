"""Notes never leave the product (issue 16): an internal note is in no outbound message of any
protocol, stored or on the wire.

A fault of each supplier protocol (the Ticketing API's XML, TMF621, TEP's SOAP), each with a note
of its own unique text, lives through the usual outbound traffic: raise, the supplier's
acceptance, a comment, an amendment, a request for an update where the protocol has one, a
cancellation; notes are added in between, in every status. A TMF621 hub subscriber (our own API's
events) hears of every change of all of them. Every message the outbox wrote is delivered by the
real adapters, to the TMF621 and TEP simulators and to loopback servers, and every request that
left through the one partner session (`integrations.http.PartnerSession`: raise, comments, token
calls, zeep's) is recorded as sent. The note's text must be in none of them: not in a stored
message (body, payload, headers, path, query) nor in a request on the wire (URL, headers, body),
nor in the TMF621 tickets our API serves. Adding a note writes no outbound message at all.

The same run with the note's text written into the comment instead finds it in every protocol's
messages: the check can fail.
"""

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from devtools.pki import DemoPki
from faults.choices import FaultStatus, PartnerOperation
from faults.models import Fault
from faults.ports import partner_call_refusal
from faults.services import (
    Actor,
    fault_add_note,
    fault_amend,
    fault_apply_supplier_status,
    fault_cancel,
    fault_comment_add,
    fault_request_update,
    fault_submit,
)
from integrations.http import PartnerSession
from integrations.models import OutboundMessage, Partner
from integrations.outbox import outbox_deliver
from integrations.tep.simulator import TepSimulator
from integrations.tmf621.auth import TOKENS
from integrations.tmf621.simulator import Tmf621Simulator
from integrations.tmf621_api.subscriptions import hub_subscribe
from tests.factories import (
    BuyerIdentifierFactory,
    FaultFactory,
    SlaPolicyFactory,
    tep_simulator_partner,
)
from tests.helpers import client_for
from tests.scripted_partner import Reply, ScriptedPartner
from tests.tmf621.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    LISTENER_TOKEN,
    point_at,
    tmf_partner,  # noqa: F401 (a fixture)
)
from tests.tmf621.supplier_stub import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
AGENT = Actor.system("test-agent")
SUPPLIER = Actor.partner("supplier-msg")
# The Ticketing API's generic answer: the message was taken.
TAKEN = b"""<receivedFaultReport><apiVersion>1.0</apiVersion>
<buyerIdentifier>SPTEST1</buyerIdentifier><sentAt>2026-11-23T12:00:00Z</sentAt>
<messageId>m</messageId><buyerFaultReference>r</buyerFaultReference>
<status>pending</status><responseCode>201</responseCode></receivedFaultReport>"""
FINISHED = ("delivered", "refused", "dead")


@dataclass
class Sent:
    """One request as it left through the partner session."""

    method: str
    url: str
    headers: dict[str, str]
    body: str


@pytest.fixture
def wire(monkeypatch) -> list[Sent]:
    """Every request sent to any partner, recorded as it goes out (then sent for real)."""
    sent: list[Sent] = []
    original = PartnerSession.send

    def recording(self, request, **kwargs):
        body = request.body or b""
        if not isinstance(body, bytes | str):  # a stream: read it once, send what was read
            body = b"".join(body)
            request.body = body
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        sent.append(Sent(request.method, request.url, dict(request.headers), text))
        return original(self, request, **kwargs)

    monkeypatch.setattr(PartnerSession, "send", recording)
    return sent


@pytest.fixture
def ticketing_api(partner, buyer_identifier, sla_policy) -> Iterator[Partner]:
    """The Ticketing API supplier (XML), answered by a loopback server taking every message."""
    with ScriptedPartner(Reply(201, TAKEN)) as server:
        Partner.objects.filter(pk=partner.pk).update(base_url=server.url)
        partner.refresh_from_db()
        yield partner


@pytest.fixture
def tmf621(tmf_partner) -> Iterator[Partner]:  # noqa: F811 (the fixture imported above)
    """The TMF621 supplier, played by its simulator (tokens, v4 validation, ticket lives)."""
    TOKENS.clear()
    SlaPolicyFactory(partner=tmf_partner)
    with Tmf621Simulator(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        listener_token=LISTENER_TOKEN,
        port=free_port(),
        step_delay=30,
    ) as simulator:
        point_at(tmf_partner, simulator)
        yield tmf_partner
    TOKENS.clear()


@pytest.fixture
def tep(pki: DemoPki) -> Iterator[Partner]:
    """The TEP supplier (SOAP over mutual TLS), played by its simulator."""
    simulator = TepSimulator(tls=pki, step_delay=30, locked_count=0)
    simulator.start()
    try:
        partner = tep_simulator_partner(simulator.url, pki, max_attempts=5)
        BuyerIdentifierFactory(partner=partner, code="TEPSIM", is_default=True)
        SlaPolicyFactory(partner=partner)
        yield partner
    finally:
        simulator.stop()


@pytest.fixture
def subscriber() -> Iterator[ScriptedPartner]:
    """A subscriber of our TMF621 hub, hearing every change of every fault."""
    with ScriptedPartner(Reply(201, b"")) as listener:
        hub_subscribe(callback=f"{listener.url}/hub", query=None, user=None)
        yield listener


@pytest.fixture
def committed(django_capture_on_commit_callbacks) -> Callable:
    """`with committed():` a change whose on-commit work (the hub's release) runs after it."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def suppliers(ticketing_api, tmf621, tep, subscriber) -> list[Partner]:
    return [ticketing_api, tmf621, tep]


def deliver_everything() -> None:
    """Each unfinished message, through its real adapter, until none is left or five rounds
    (later each round, so backoffs and holds have passed)."""
    for round_ in range(1, 6):
        waiting = list(OutboundMessage.objects.exclude(status__in=FINISHED).order_by("id"))
        if not waiting:
            return
        for message in waiting:
            outbox_deliver(outbound_id=message.pk, now=timezone.now() + timedelta(hours=round_))


def add_note(fault: Fault, text: str, committed) -> None:
    """A note, which must write no outbound message for anyone."""
    before = OutboundMessage.objects.count()
    with committed():
        fault_add_note(fault_id=fault.pk, text=text, actor=AGENT)
    assert OutboundMessage.objects.count() == before, f"a note on {fault.supplier} wrote a message"


def live(fault: Fault, marker: str, committed, *, leak_into_comment: bool = False) -> None:
    """The fault's usual outbound traffic, with notes carrying `marker` in every status."""
    add_note(fault, f"Draft: {marker} customer is a hospital", committed)
    with committed():
        fault_submit(fault_id=fault.pk, actor=AGENT)
    deliver_everything()
    add_note(fault, f"Raised: {marker} supplier's NOC is slow today", committed)
    fault.refresh_from_db()
    with committed():
        if fault.status == FaultStatus.PENDING:
            fault_apply_supplier_status(
                fault_id=fault.pk,
                status=FaultStatus.ACCEPTED,
                actor=SUPPLIER,
                maintainer_fault_reference=fault.maintainer_fault_reference or "SUP-1",
            )
        fault_apply_supplier_status(
            fault_id=fault.pk, status=FaultStatus.IN_PROGRESS, actor=SUPPLIER
        )
    comment = "Customer is in from 2pm."
    if leak_into_comment:
        comment += f" {marker}"
    with committed():
        fault_comment_add(fault_id=fault.pk, actor=AGENT, text=comment)
    add_note(fault, f"After the comment: {marker} escalate at 4pm", committed)
    with committed():
        fault_amend(fault_id=fault.pk, actor=AGENT, changes={"description": "Down hard now."})
    if (
        partner_call_refusal(supplier=fault.supplier, operation=PartnerOperation.REQUEST_UPDATE)
        is None
    ):
        with committed():
            fault_request_update(fault_id=fault.pk, actor=AGENT)
    deliver_everything()
    with committed():
        fault_cancel(fault_id=fault.pk, actor=AGENT, reason="Found a loose patch lead.")
    deliver_everything()
    add_note(fault, f"Cancelled: {marker} the patch lead was ours", committed)


def carriers(marker: str, wire: list[Sent]) -> list[str]:
    """Where the marker was found: each stored message and each request on the wire."""
    marker = marker.lower()
    found = []
    for message in OutboundMessage.objects.select_related("partner"):
        parts = {
            "body": message.body,
            "payload": json.dumps(message.payload),
            "headers": json.dumps(message.headers),
            "path": message.path,
            "query": json.dumps(message.query),
        }
        found += [
            f"stored {message.partner.protocol} {message.message_type} {part}"
            for part, value in parts.items()
            if marker in value.lower()
        ]
    for request in wire:
        parts = {"url": request.url, "headers": json.dumps(request.headers), "body": request.body}
        found += [
            f"sent {request.method} {request.url} {part}"
            for part, value in parts.items()
            if marker in value.lower()
        ]
    return found


def faults_of(suppliers: list[Partner]) -> list[tuple[Fault, str]]:
    """A fault of each supplier, each with its own unique marker."""
    made = []
    for n, supplier in enumerate(suppliers):
        fault = FaultFactory(
            supplier=supplier,
            buyer_identifier=supplier.buyer_identifiers.get(is_default=True),
            service_id=f"SVC-NOTE-{n}",
        )
        made.append((fault, f"NOTE{uuid.uuid4().hex}"))
    return made


def served_tickets(user) -> str:
    """What our TMF621 API serves: the list and every ticket, as one text."""
    api = client_for(user)
    listed = api.get("/tmf-api/troubleTicket/v4/troubleTicket")
    assert listed.status_code == 200
    texts = [listed.content.decode()]
    for ticket in listed.json():
        one = api.get(f"/tmf-api/troubleTicket/v4/troubleTicket/{ticket['id']}")
        assert one.status_code == 200
        texts.append(one.content.decode())
    return "\n".join(texts).lower()


def test_no_outbound_message_of_any_protocol_carries_a_note(
    suppliers, subscriber, wire, committed, agent_user
):
    faults = faults_of(suppliers)
    for fault, marker in faults:
        live(fault, marker, committed)

    protocols = {m.partner.protocol for m in OutboundMessage.objects.select_related("partner")}
    assert protocols == {"cityfibre", "tmf621", "tep", "tmf621-hub"}  # every protocol spoke
    # Every message was taken, so each went the whole way.
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"delivered"}
    assert len(wire) >= 12 and subscriber.received
    served = served_tickets(agent_user)
    for fault, marker in faults:
        assert fault.notes.count() == 4
        assert carriers(marker, wire) == [], f"a note of {fault.supplier} left the product"
        assert marker.lower() not in served


def test_the_check_finds_a_notes_text_written_into_a_comment(
    suppliers, subscriber, wire, committed, agent_user
):
    faults = faults_of(suppliers)
    for fault, marker in faults:
        live(fault, marker, committed, leak_into_comment=True)

    for fault, marker in faults:
        found = carriers(marker, wire)
        protocol = fault.supplier.protocol
        assert any(f"stored {protocol} " in where for where in found), (protocol, found)
        assert any(where.startswith("stored tmf621-hub ") for where in found), found
        assert any(where.startswith("sent ") for where in found), found
    # The TMF621 API serves the comment (a note of its ticket), so the text is found there too.
    assert all(marker.lower() in served_tickets(agent_user) for _, marker in faults)
