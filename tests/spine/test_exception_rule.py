"""The spine's exception rule, DELIVERY_DEAD: raised on a fault whose message to the supplier is
dead or refused and not dismissed; solved when an agent retries it (delivered) or dismisses it.
Registered by the integration layer: `faults` does not import it."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from faults.choices import FaultStatus
from faults.exceptions.models import CallToAction, TicketException, TicketExceptionRule
from faults.exceptions.rules import registered_types
from faults.exceptions.services import exceptions_sweep
from faults.exceptions.shipped import ship_rules
from integrations.choices import OutboundStatus
from integrations.models import OutboundMessage
from tests.factories import FaultFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def shipped(db):
    ship_rules(TicketExceptionRule, CallToAction)


def dead(fault, status=OutboundStatus.DEAD, operation="amend") -> OutboundMessage:
    return OutboundMessage.objects.create(
        partner=fault.supplier,
        fault=fault,
        operation=operation,
        message_type="amendFaultReport",
        message_id=f"MSG-{fault.pk}-{operation}",
        body="<x/>",
        status=status,
        attempts=8,
        next_attempt_at=timezone.now(),
        last_error="Connection refused",
    )


def open_dead(fault):
    return TicketException.objects.filter(
        fault=fault, rule__type_name="DELIVERY_DEAD", solved_at__isnull=True
    )


def test_it_is_registered_by_the_integration_layer():
    assert "DELIVERY_DEAD" in registered_types()


def test_a_dead_message_raises_it_and_a_delivery_solves_it():
    fault = FaultFactory(status=FaultStatus.IN_PROGRESS, last_supplier_message_at=T0)
    message = dead(fault)

    exceptions_sweep(now=T0)
    (raised,) = open_dead(fault)
    assert raised.subject == f"1 message to {fault.supplier.name} will not arrive"

    OutboundMessage.objects.filter(pk=message.pk).update(status=OutboundStatus.DELIVERED)
    exceptions_sweep(now=T0)
    assert not open_dead(fault).exists()


def test_a_dismissed_message_and_a_refused_raise_raise_nothing():
    fault = FaultFactory(status=FaultStatus.IN_PROGRESS, last_supplier_message_at=T0)
    OutboundMessage.objects.filter(pk=dead(fault).pk).update(dismissed_at=T0)
    rejected = FaultFactory(status=FaultStatus.REJECTED, rejected_at=T0)
    dead(rejected, status=OutboundStatus.REFUSED, operation="raise")  # it rejected its fault

    exceptions_sweep(now=T0)

    assert not open_dead(fault).exists()
    assert not open_dead(rejected).exists()
