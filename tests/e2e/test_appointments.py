"""A Service Outage fault's whole appointment story over real sockets: the agent queries slots,
reserves one, raises the fault with the key; the supplier (simulator) confirms the visit,
completes it with closure code FR and resolves the fault."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import Appointment
from faults.models import Fault
from tests.e2e.conftest import SLUG, raise_fault
from tests.e2e.processes import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_query_reserve_raise_confirmed_completed_resolved(simulator, start_worker, api):
    start_worker()
    where = {
        "partner": SLUG,
        "address_key": "10002491172",
        "from_date": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "product_name": "ftthl2r",
        "appointment_type": "fault",
    }
    slots = api.get(f"{api.base_url}/appointments/slots/", params=where, timeout=15)
    assert slots.status_code == 200, slots.text
    free = [slot for slot in slots.json() if slot["available"]]
    assert free and len(free) < len(slots.json())  # the supplier has some slots full

    reference = raise_fault(api, "S-TLOS-1", fault_type="Service Outage", submit=False)
    slot = free[0]
    reserved = api.post(
        f"{api.base_url}/appointments/reservations/",
        json={
            **where,
            "date": slot["date"],
            "start_time": slot["start_time"],
            "end_time": slot["end_time"],
            "fault": reference,
        },
        timeout=15,
    )
    assert reserved.status_code == 201, reserved.text
    key = reserved.json()["reservation_key"]
    assert Fault.objects.get(buyer_fault_reference=reference).appointment_reservation_key == key

    submitted = api.post(f"{api.base_url}/faults/{reference}/submit/", timeout=10)
    assert submitted.status_code == 200, submitted.text

    wait_for(
        lambda: Fault.objects.get(buyer_fault_reference=reference).status == "resolved",
        timeout=40,
        what="the supplier to resolve the fault after the engineer's visit",
    )
    appointment = Appointment.objects.get(reservation_key=key)
    assert appointment.confirmation_status == "Confirmed"
    assert (appointment.state, appointment.closure_code, appointment.closure_label) == (
        "completed",
        "FR",
        "Fault Resolved",
    )
    fault = Fault.objects.get(buyer_fault_reference=reference)
    assert fault.closure_code == "FR"
    received = [r["operation"] for r in simulator.state()["received"]]
    assert received[:3] == [
        "queryAppointmentAvailabilityRequest",
        "reserveAppointmentRequest",
        "addFaultReport",
    ]
