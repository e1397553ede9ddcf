"""Raising a Service Outage fault in one step, as the raise form does: draft, reserved
appointment attached, submit — or nothing at all."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import Appointment
from appointments.services import (
    appointment_reserve,
    fault_draft_update_with_appointment,
    fault_raise_with_appointment,
)
from faults.choices import FaultStatus, FaultType
from faults.errors import FaultValidationError
from faults.models import Fault
from integrations.models import OutboundMessage
from tests.appointments.conftest import AGENT, PRODUCT, UPRN, first_slot, query

pytestmark = pytest.mark.django_db


def details(partner, **changes) -> dict:
    return {
        "supplier": partner,
        "service_id": "CFH-TLOS-1",
        "fault_type": FaultType.SERVICE_OUTAGE,
        "address_key": UPRN,
        "product_name": PRODUCT,
        "fault_start_time": timezone.now() - timedelta(hours=1),
        "fault_location": "Cabinet 12",
        "site_access_details": "Reception",
        "site_access_contact_phone": "01632 960000",
        "triage_complete": True,
        "triage_findings": "No light at the ONT",
        **changes,
    }


@pytest.fixture
def reserved(partner, supplier, buyer_identifier, sla_policy) -> Appointment:
    return appointment_reserve(partner=partner, actor=AGENT, query=query(), slot=first_slot())


def test_a_service_outage_is_raised_with_its_reservation(partner, reserved):
    fault = fault_raise_with_appointment(
        actor=AGENT, details=details(partner), appointment_id=reserved.pk, submit=True
    )

    assert fault.status == FaultStatus.PENDING
    assert fault.appointment_reservation_key == reserved.reservation_key
    reserved.refresh_from_db()
    assert reserved.fault_id == fault.pk
    assert OutboundMessage.objects.filter(fault=fault, message_type="addFaultReport").exists()


def test_a_refused_submit_keeps_neither_the_draft_nor_the_attachment(partner, reserved):
    with pytest.raises(FaultValidationError) as refused:
        fault_raise_with_appointment(
            actor=AGENT,
            details=details(partner, triage_findings=""),
            appointment_id=reserved.pk,
            submit=True,
        )

    assert "triage_findings" in refused.value.errors
    assert not Fault.objects.exists()
    reserved.refresh_from_db()
    assert reserved.fault_id is None
    assert not OutboundMessage.objects.exists()


def test_a_draft_is_amended_given_its_reservation_and_submitted(partner, reserved):
    draft = fault_raise_with_appointment(
        actor=AGENT, details=details(partner, triage_findings=""), appointment_id=None, submit=False
    )

    fault = fault_draft_update_with_appointment(
        actor=AGENT,
        fault_id=draft.pk,
        changes={"triage_findings": "Fibre break"},
        appointment_id=reserved.pk,
        submit=True,
    )

    assert (fault.status, fault.triage_findings) == (FaultStatus.PENDING, "Fibre break")
    assert fault.appointment_reservation_key == reserved.reservation_key
