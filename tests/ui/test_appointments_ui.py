"""The appointment panel against a real supplier over loopback (the supplier simulator): the
agent finds slots, reserves one, raises the Service Outage fault with it, and re-appoints a
raised fault. Nothing of ours is replaced; the supplier is a real HTTP server on 127.0.0.1."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.choices import AppointmentState
from appointments.models import Appointment
from faults.choices import FaultStatus, FaultType
from faults.models import Fault
from integrations.cityfibre.simulator import CityFibreSimulator
from integrations.models import Partner
from tests.factories import FaultFactory
from tests.helpers import bring_to
from tests.ui.test_raise import form_data

pytestmark = pytest.mark.django_db
UPRN = "10002491172"
PRODUCT = "ftthl2r"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def supplier_server(partner, buyer_identifier, sla_policy) -> Iterator[CityFibreSimulator]:
    """The supplier simulator on a free loopback port, answering our test partner."""
    simulator = CityFibreSimulator(
        port=0,
        notify_url="http://127.0.0.1:9/notify/",  # it never gets that far in these tests
        buyer_identifiers={buyer_identifier.code},
        step_delay=60,
    ).start()
    Partner.objects.filter(pk=partner.pk).update(base_url=simulator.url)
    yield simulator
    simulator.stop()


def where(partner, **changes) -> dict:
    return {
        "supplier": partner.pk,
        "address_key": UPRN,
        "product_name": PRODUCT,
        "from_date": (timezone.localdate() + timedelta(days=1)).isoformat(),
        **changes,
    }


def find_slots(client, data: dict) -> str:
    answer = client.post("/appointments/slots/", data, **HTMX)
    assert answer.status_code == 200
    return answer.content.decode()


def first_free_slot(page: str) -> str:
    marker = 'type="radio" name="slot" value="'
    for chunk in page.split(marker)[1:]:
        value, rest = chunk.split('"', 1)
        if not rest.lstrip().startswith("disabled"):
            return value
    raise AssertionError("no free slot listed")


def test_find_slots_lists_the_suppliers_slots(agent_client, partner, supplier_server):
    page = find_slots(agent_client, where(partner))

    assert "Slots offered by the supplier" in page
    assert page.count('name="slot"') >= 2
    assert "Reserve" in page
    assert [r["operation"] for r in supplier_server.state()["received"]] == [
        "queryAppointmentAvailabilityRequest"
    ]


def test_find_slots_shows_the_services_refusal(agent_client, partner, supplier_server):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()

    page = find_slots(agent_client, where(partner, from_date=yesterday))

    assert "is in the past" in page
    assert 'name="slot"' not in page


def test_reserve_then_submit_raises_the_outage_with_its_reservation(
    agent_client, partner, supplier_server
):
    slot = first_free_slot(find_slots(agent_client, where(partner)))

    reserved = agent_client.post("/appointments/reserve/", {**where(partner), "slot": slot}, **HTMX)
    appointment = Appointment.objects.get()
    raised = agent_client.post(
        "/faults/new/",
        {
            **form_data(partner, fault_type=FaultType.SERVICE_OUTAGE, address_key=UPRN),
            "product_name": PRODUCT,
            "appointment": appointment.pk,
            "intent": "submit",
        },
    )

    assert f'name="appointment" value="{appointment.pk}"' in reserved.content.decode()
    assert "Reserved" in reserved.content.decode()
    assert raised.status_code == 302
    fault = Fault.objects.get()
    appointment.refresh_from_db()
    assert fault.status == FaultStatus.PENDING
    assert fault.appointment_reservation_key == appointment.reservation_key
    assert (appointment.fault, appointment.state) == (fault, AppointmentState.ATTACHED)


def test_a_fault_that_is_not_an_outage_is_refused_with_a_reservation(
    agent_client, partner, supplier_server
):
    slot = first_free_slot(find_slots(agent_client, where(partner)))
    agent_client.post("/appointments/reserve/", {**where(partner), "slot": slot}, **HTMX)
    appointment = Appointment.objects.get()

    answer = agent_client.post(
        "/faults/new/",
        {**form_data(partner), "appointment": appointment.pk, "intent": "submit"},
    )

    assert answer.status_code == 400
    assert "Only a Service Outage (TLOS) fault carries an appointment" in answer.content.decode()
    assert Fault.objects.count() == 0
    appointment.refresh_from_db()
    assert appointment.fault is None and appointment.state == AppointmentState.RESERVED


def test_reserve_without_a_slot_is_refused(agent_client, partner, supplier_server):
    answer = agent_client.post("/appointments/reserve/", where(partner), **HTMX)

    assert "Pick a slot first." in answer.content.decode()
    assert Appointment.objects.count() == 0


def _raised_outage(partner, buyer_identifier, agent_client, status: str) -> Fault:
    slot = first_free_slot(find_slots(agent_client, where(partner)))
    agent_client.post("/appointments/reserve/", {**where(partner), "slot": slot}, **HTMX)
    draft = FaultFactory(
        supplier=partner,
        buyer_identifier=buyer_identifier,
        fault_type=FaultType.SERVICE_OUTAGE,
        address_key=UPRN,
        product_name=PRODUCT,
    )
    from appointments.services import appointment_attach
    from faults.services import Actor

    appointment_attach(
        appointment_id=Appointment.objects.get().pk, fault_id=draft.pk, actor=Actor.system("t")
    )
    return bring_to(draft, status)


def test_reappoint_books_a_new_slot_for_a_raised_outage(
    agent_client, partner, buyer_identifier, supplier_server
):
    fault = _raised_outage(partner, buyer_identifier, agent_client, "in-progress")
    old_key = fault.appointment_reservation_key
    page = agent_client.get(f"/faults/{fault.buyer_fault_reference}/").content.decode()
    slots = find_slots(
        agent_client,
        {**where(partner), "mode": "reappoint", "fault": fault.buyer_fault_reference},
    )
    slot = first_free_slot(slots)

    answer = agent_client.post(
        f"/appointments/reappoint/{fault.buyer_fault_reference}/",
        {**where(partner), "slot": slot},
    )

    assert "Re-appoint" in page and "Reserve and re-appoint" in slots
    assert answer.status_code == 302
    fault.refresh_from_db()
    assert fault.appointment_reservation_key not in ("", old_key)
    states = set(Appointment.objects.values_list("state", flat=True))
    assert states == {AppointmentState.SUPERSEDED, AppointmentState.ATTACHED}


def test_reappoint_is_refused_on_a_closed_fault(
    agent_client, partner, buyer_identifier, supplier_server
):
    fault = _raised_outage(partner, buyer_identifier, agent_client, "closed")
    key = fault.appointment_reservation_key
    slot = first_free_slot(find_slots(agent_client, where(partner)))

    page = agent_client.get(f"/faults/{fault.buyer_fault_reference}/").content.decode()
    answer = agent_client.post(
        f"/appointments/reappoint/{fault.buyer_fault_reference}/",
        {**where(partner), "slot": slot},
    )

    assert "Re-appoint" not in page
    assert answer.status_code == 409
    fault.refresh_from_db()
    assert fault.appointment_reservation_key == key
    assert Appointment.objects.count() == 1


def test_managers_cannot_query_or_reserve(manager_client, partner, supplier_server):
    assert manager_client.post("/appointments/slots/", where(partner)).status_code == 403
    assert manager_client.post("/appointments/reserve/", where(partner)).status_code == 403
    assert supplier_server.state()["received"] == []


def test_the_reappoint_form_shows_its_from_date_as_a_date_input_takes_it(
    agent_client, partner, buyer_identifier, supplier_server
):
    # A date input takes YYYY-MM-DD only: the en-gb "27/11/2026" showed it empty.
    from tests.ui.page_forms import form_values

    fault = _raised_outage(partner, buyer_identifier, agent_client, "in-progress")
    page = agent_client.get(f"/faults/{fault.buyer_fault_reference}/").content

    values = form_values(page, f"/appointments/reappoint/{fault.buyer_fault_reference}/")

    assert values["from_date"] == timezone.localdate().isoformat()
    assert (values["address_key"], values["product_name"]) == (UPRN, PRODUCT)


def test_the_raise_forms_live_check_sees_the_reservation(agent_client, partner, supplier_server):
    # Given a Service Outage being raised, its reservation not yet made
    outage = {
        **form_data(partner, fault_type=FaultType.SERVICE_OUTAGE, address_key=UPRN),
        "product_name": PRODUCT,
    }
    before = agent_client.post("/faults/new/validate/", outage).content.decode()
    # Then the live check lists the appointment as still needed, not as an error
    assert "Still needed to submit: Engineer appointment (reserve a slot)." in before
    assert "needs an engineer appointment" not in before

    # When a slot is reserved, the page is told to check the form again
    slot = first_free_slot(find_slots(agent_client, where(partner)))
    reserved = agent_client.post("/appointments/reserve/", {**where(partner), "slot": slot}, **HTMX)
    assert reserved["HX-Trigger-After-Swap"] == "raise-step-changed"
    after = agent_client.post(
        "/faults/new/validate/",
        {**outage, "appointment": Appointment.objects.get().pk, "appointment_panel": "shown"},
    ).content.decode()
    # Then the check finds nothing missing
    assert "No problems found so far." in after
    assert "Still needed" not in after


def test_a_refused_reservation_does_not_ask_the_form_to_check_again(
    agent_client, partner, supplier_server
):
    answer = agent_client.post("/appointments/reserve/", where(partner), **HTMX)
    assert "Pick a slot first." in answer.content.decode()
    assert "HX-Trigger-After-Swap" not in answer
