"""The supplier's appointment rule, enforced before anything is sent: a Service Outage (TLOS)
fault is raised with a valid, unexpired reservation key; any other type without one."""

from datetime import timedelta

import pytest
from django.utils import timezone

from faults.errors import FaultValidationError
from faults.models import Fault
from faults.services import Actor, fault_submit
from integrations.models import OutboundMessage
from tests.factories import FaultFactory

pytestmark = pytest.mark.django_db
AGENT = Actor.system("test")


@pytest.fixture
def make(partner, buyer_identifier, sla_policy):
    def make(**fields):
        return FaultFactory(supplier=partner, buyer_identifier=buyer_identifier, **fields)

    return make


def refused(fault: Fault) -> str:
    with pytest.raises(FaultValidationError) as error:
        fault_submit(fault_id=fault.pk, actor=AGENT)
    fault.refresh_from_db()
    assert fault.status == "draft"
    assert not OutboundMessage.objects.filter(fault=fault).exists()
    return error.value.errors["appointment_reservation_key"][0]


def test_a_tlos_fault_without_a_reservation_is_refused(make):
    assert "query the slots and reserve one" in refused(make(fault_type="Service Outage"))


def test_another_type_with_a_reservation_is_refused(make):
    message = refused(make(fault_type="Impaired Service", appointment_reservation_key="K1"))
    assert "Only a Service Outage" in message


def test_an_expired_reservation_asks_for_a_new_query(make):
    fault = make(
        fault_type="Service Outage",
        appointment_reservation_key="K1",
        appointment_valid_until=timezone.now() - timedelta(minutes=1),
    )
    assert "expired" in refused(fault)


def test_a_tlos_fault_with_a_valid_reservation_is_raised_with_its_key(make):
    fault = make(
        fault_type="Service Outage",
        appointment_reservation_key="EI7PBRU6TL8KN1YNGO8ICEUI0UDFE9M8",
        appointment_valid_until=timezone.now() + timedelta(hours=2),
    )
    fault_submit(fault_id=fault.pk, actor=AGENT)

    raise_message = OutboundMessage.objects.get(fault=fault)
    assert (
        "<appointmentReservationKey>EI7PBRU6TL8KN1YNGO8ICEUI0UDFE9M8</appointmentReservationKey>"
        in raise_message.body
    )
