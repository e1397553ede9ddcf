from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from faults.choices import SlaCalendar
from faults.services import Actor, fault_attachment_add
from integrations.choices import Environment
from integrations.models import OutboundMessage, Partner
from integrations.outbox import outbox_deliver
from integrations.tep.models import TepConnection
from integrations.tep.schema import schema_errors
from tests.factories import BuyerIdentifierFactory, FaultFactory, PartnerFactory, SlaPolicyFactory
from tests.tep.outbound.stub import ScriptedPartner

AGENT = Actor.system("test-agent")
OUR_ID, THEIR_ID, ROLE = 101, 202, 7


@pytest.fixture
def tep():
    """The stub TEP on loopback (a real HTTP server, port 0). Whatever the test, everything
    sent to it must satisfy our XSD."""
    with ScriptedPartner() as server:
        yield server
    invalid = {r.path: schema_errors(r.body) for r in server.received if schema_errors(r.body)}
    assert invalid == {}, f"sent to TEP against our XSD: {invalid}"


@pytest.fixture
def tep_partner(db, tep) -> Partner:
    partner = PartnerFactory(
        slug="tep-partner",
        name="Partner via TEP",
        protocol="tep",
        environment=Environment.SIMULATOR,
        base_url=f"{tep.url}/tep/",
        max_attempts=3,
        retry_base_seconds=30,
        connect_timeout=2,
        read_timeout=2,
    )
    TepConnection.objects.create(
        partner=partner, our_partner_id=OUR_ID, their_partner_id=THEIR_ID, conversation_role_id=ROLE
    )
    return partner


@pytest.fixture
def fault(tep_partner):
    identifier = BuyerIdentifierFactory(partner=tep_partner, code="TEPB1", is_default=True)
    SlaPolicyFactory(
        partner=tep_partner,
        target=timedelta(hours=8),
        calendar=SlaCalendar.ALWAYS,
        at_risk_percent=80,
    )
    return FaultFactory(
        supplier=tep_partner,
        buyer_identifier=identifier,
        reporter_name="Ada Lovelace",
        reporter_email="ada@example.test",
        reporter_phone="01632 960001",
        site_access_contact_email="site@example.test",
    )


def attach(fault, name: str = "trace.txt", content: bytes = b"line one\nline two\n"):
    return fault_attachment_add(
        fault_id=fault.pk,
        actor=AGENT,
        upload=SimpleUploadedFile(name, content, content_type="text/plain"),
    )


def due(partner: Partner) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(partner=partner).order_by("id"))


def deliver(message: OutboundMessage, *, later: bool = False) -> OutboundMessage:
    """One attempt of the real outbox delivery (`later`: as if its backoff had passed)."""
    now = timezone.now() + (timedelta(days=1) if later else timedelta(0))
    outbox_deliver(outbound_id=message.pk, now=now)
    message.refresh_from_db()
    return message
