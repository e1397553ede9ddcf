"""The supplier Ticketing API's side of the outbox: what its messages look like on the wire.
The behaviour every protocol shares (retries, refusals, order, credentials) is the contract in
tests/spine/contract/test_outbox.py, which runs for this package too."""

import pytest

from faults.services import Actor, fault_comment_add, fault_submit
from integrations.cityfibre import soap
from integrations.cityfibre.schema import get_schema
from integrations.models import OutboundMessage, Partner
from integrations.outbox import outbox_deliver
from integrations.xml import parse_xml
from tests.factories import FaultFactory
from tests.scripted_partner import Reply, ScriptedPartner

pytestmark = pytest.mark.django_db
AGENT = Actor.system("test")
PENDING = b"""<receivedFaultReport><apiVersion>1.0</apiVersion>
<buyerIdentifier>SPTEST1</buyerIdentifier><sentAt>2026-11-23T12:00:00Z</sentAt>
<messageId>m</messageId><buyerFaultReference>r</buyerFaultReference>
<status>pending</status><responseCode>201</responseCode></receivedFaultReport>"""


@pytest.fixture
def fault(partner, buyer_identifier, sla_policy):
    return FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)


def test_the_raise_is_a_schema_valid_add_fault_report_in_a_soap_envelope(fault):
    fault_submit(fault_id=fault.pk, actor=AGENT)
    message = OutboundMessage.objects.get(fault=fault)

    assert message.message_type == "addFaultReport"
    element = soap.unwrap(parse_xml(message.body.encode()))
    assert element.tag == "addFaultReport"
    assert get_schema().validate(element)
    assert element.findtext("buyerFaultReference") == fault.buyer_fault_reference
    assert element.findtext("messageId") == message.message_id


def test_each_message_goes_to_its_operations_url_with_its_soap_action(fault):
    fault_submit(fault_id=fault.pk, actor=AGENT)
    fault_comment_add(fault_id=fault.pk, actor=AGENT, text="Engineer can call after 2pm")
    with ScriptedPartner(Reply(201, PENDING)) as server:
        Partner.objects.filter(pk=fault.supplier_id).update(base_url=server.url)
        for message in OutboundMessage.objects.filter(fault=fault).order_by("id"):
            outbox_deliver(outbound_id=message.pk)

    assert server.operations == ["addFaultReport", "amendFaultReport"]
    assert [r.headers["SOAPAction"] for r in server.received] == [
        '"addFaultReport"',
        '"amendFaultReport"',
    ]
    assert b"Engineer can call" in server.received[1].body
