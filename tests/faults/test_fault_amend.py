"""`fault_amend` sends the supplier only the fields whose value changes (amendFaultReport: "if
missing, we assume it's unchanged"), and a value equal to the fault's is no change at all."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from faults.models import FaultEvent
from faults.services import Actor, fault_amend
from integrations.models import OutboundMessage
from tests.factories import FaultFactory
from tests.helpers import bring_to

pytestmark = pytest.mark.django_db

STARTED = datetime(2026, 11, 23, 9, 0, 30, tzinfo=UTC)
AGENT = Actor.system("test-agent")


@pytest.fixture
def accepted(partner, buyer_identifier, sla_policy):
    fault = FaultFactory(
        supplier=partner, buyer_identifier=buyer_identifier, fault_start_time=STARTED
    )
    return bring_to(fault, "accepted")


def _body(message: OutboundMessage) -> etree._Element:
    return etree.fromstring(message.body.encode())


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def test_the_amend_message_carries_only_the_changed_field(accepted):
    fault_amend(fault_id=accepted.pk, actor=AGENT, changes={"description": "Total outage now."})

    [message] = OutboundMessage.objects.filter(fault=accepted, operation="amend")
    assert message.payload == {"changes": {"description": "Total outage now."}}
    body = _body(message)
    details = [el for el in body.iter() if _local(el) == "faultDetails"]
    assert [[_local(child) for child in d] for d in details] == [["description"]]
    assert [child.text for child in details[0]] == ["Total outage now."]
    sent = {_local(el) for el in body.iter()}
    assert not sent & {"faultStartTime", "priorityLevel", "triageFindings", "faultLocation"}


def test_the_same_instant_in_another_zone_is_no_change(accepted):
    same = STARTED.astimezone(ZoneInfo("Europe/London"))

    fault_amend(fault_id=accepted.pk, actor=AGENT, changes={"fault_start_time": same})

    assert not OutboundMessage.objects.filter(fault=accepted, operation="amend").exists()
    assert not FaultEvent.objects.filter(fault=accepted, kind="amended").exists()


def test_unchanged_values_among_the_changes_are_not_sent(accepted):
    fault_amend(
        fault_id=accepted.pk,
        actor=AGENT,
        changes={"fault_start_time": STARTED, "priority": 1},
    )

    [message] = OutboundMessage.objects.filter(fault=accepted, operation="amend")
    assert message.payload == {"changes": {"priority": 1}}
    assert [_local(el) for el in _body(message).iter() if _local(el) == "faultStartTime"] == []
