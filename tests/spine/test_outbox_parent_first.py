"""A mass incident's children are sent after their parent: each child's raise names the parent
(parentFaultReference, "a pre-existing related fault"), so the outbox's line for a child includes
its parent's earlier messages, and the parent's delivery sends the children's next."""

from datetime import timedelta

import pytest
from django.utils import timezone
from lxml import etree

from faults.choices import FaultType
from faults.services import Actor
from faults.services.mass_incident import mass_incident_raise, service_lines_parse
from integrations import outbox
from integrations.choices import OutboundStatus
from integrations.models import OutboundMessage, Partner
from integrations.outbox import outbox_deliver
from tests.scripted_partner import Reply, ScriptedPartner

pytestmark = pytest.mark.django_db
CREATED = b"<receivedFaultReport><status>pending</status></receivedFaultReport>"


@pytest.fixture
def incident(partner, buyer_identifier):
    return mass_incident_raise(
        actor=Actor.system("test"),
        supplier=partner,
        lines=service_lines_parse("SVC-P\nSVC-C1\nSVC-C2"),
        details={
            "fault_type": FaultType.IMPAIRED_SERVICE,
            "description": "Fibre cut.",
            "fault_start_time": timezone.now() - timedelta(hours=1),
            "fault_location": "Cabinet 12",
            "triage_complete": True,
            "triage_findings": "No light.",
            "site_access_details": "Street cabinet.",
            "site_access_contact_phone": "01632 960001",
        },
    )


def raise_of(fault) -> OutboundMessage:
    return OutboundMessage.objects.get(fault=fault)


def test_a_child_waits_for_its_parents_raise_and_goes_once_it_is_delivered(
    partner, incident, monkeypatch
):
    queued = []
    monkeypatch.setattr(outbox, "enqueue_delivery", queued.append)
    first_child, second_child = (raise_of(child) for child in incident.children)

    with ScriptedPartner(Reply(201, CREATED)) as supplier:
        Partner.objects.filter(pk=partner.pk).update(base_url=f"{supplier.url}/api/")
        assert outbox_deliver(outbound_id=first_child.pk) is None  # the parent is not known yet
        assert outbox_deliver(outbound_id=raise_of(incident.parent).pk) == OutboundStatus.DELIVERED
        assert sorted(queued) == [first_child.pk, second_child.pk]
        assert outbox_deliver(outbound_id=second_child.pk) == OutboundStatus.DELIVERED
        assert outbox_deliver(outbound_id=first_child.pk) == OutboundStatus.DELIVERED

    services = [
        etree.fromstring(r.body).findtext(".//{*}serviceAffected") for r in supplier.received
    ]
    assert services == ["SVC-P", "SVC-C2", "SVC-C1"]
    parents = [
        etree.fromstring(r.body).findtext(".//{*}parentFaultReference") for r in supplier.received
    ]
    assert parents == [None, str(incident.parent), str(incident.parent)]


def test_a_parent_the_supplier_refused_holds_up_no_child(partner, incident):
    with ScriptedPartner(Reply(400, b"<error>no</error>")) as supplier:
        Partner.objects.filter(pk=partner.pk).update(base_url=f"{supplier.url}/api/")
        outbox_deliver(outbound_id=raise_of(incident.parent).pk)
        supplier.default = Reply(201, CREATED)
        child = incident.children[0]
        assert outbox_deliver(outbound_id=raise_of(child).pk) == OutboundStatus.DELIVERED
