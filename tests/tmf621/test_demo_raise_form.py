"""The raise form with the TMF621 supplier: an agent chooses it and raises a fault with it. TMF621
books no engineer appointments, so a Service Outage fault with it is raised without a
reservation, and the form says so instead of asking for one it cannot get."""

import json
from datetime import timedelta

import lxml.html
import pytest
from django.utils import timezone

from faults.choices import FaultStatus, FaultType, PartnerOperation
from faults.models import Fault
from faults.services import Actor, fault_create_draft
from faults.services.validation import APPOINTMENT_NEEDED_LABEL, appointment_rule_errors
from integrations.models import OutboundMessage, Partner
from integrations.tmf621.models import Tmf621Connection
from tests.factories import BuyerIdentifierFactory, PartnerFactory, SlaPolicyFactory
from tests.ui.test_raise import form_data

pytestmark = pytest.mark.django_db
RAISE = "/faults/new/"
VALIDATE = "/faults/new/validate/"
NOTE = "books no engineer appointments through us"


@pytest.fixture
def tmf_supplier(db) -> Partner:
    partner = PartnerFactory(
        slug="northway",
        name="Northway Fibre",
        protocol="tmf621",
        base_url="http://127.0.0.1:9/tmf-api/troubleTicket/v4",
    )
    BuyerIdentifierFactory(partner=partner, code="NOC-TMF", is_default=True)
    SlaPolicyFactory(partner=partner, target=timedelta(hours=8))
    Tmf621Connection.objects.create(
        partner=partner, token_url="http://127.0.0.1:9/oauth/token", client_id="noc"
    )
    return partner


@pytest.fixture
def both_suppliers(partner, buyer_identifier, sla_policy, tmf_supplier):
    return partner, tmf_supplier


def outage(supplier: Partner, **changes) -> dict:
    return form_data(supplier, fault_type=FaultType.SERVICE_OUTAGE, service_id="NWF-1", **changes)


def checked(client, data: dict) -> str:
    """The live check's answer to the form as the agent has filled it so far."""
    response = client.post(VALIDATE, data)
    assert response.status_code == 200
    return response.content.decode()


def element(html: str, element_id: str):
    found = lxml.html.fromstring(f"<div>{html}</div>").xpath(f"//*[@id='{element_id}']")
    return found[0] if found else None


def test_the_agent_can_choose_either_supplier(agent_client, both_suppliers):
    page = lxml.html.fromstring(agent_client.get(RAISE).content)

    offered = [option.text_content() for option in page.xpath("//select[@name='supplier']/option")]
    assert offered == ["Northway Fibre", "Test Supplier"]


def test_an_impaired_service_fault_is_raised_with_the_tmf_supplier(agent_client, both_suppliers):
    _, tmf = both_suppliers

    answer = agent_client.post(RAISE, {**form_data(tmf, service_id="NWF-2"), "intent": "submit"})

    fault = Fault.objects.get()
    assert answer.status_code == 302, answer.content.decode()
    assert answer["Location"] == f"/faults/{fault.buyer_fault_reference}/"
    assert (fault.supplier, fault.status) == (tmf, FaultStatus.PENDING)
    assert fault.buyer_identifier.code == "NOC-TMF"
    raised = OutboundMessage.objects.get(fault=fault)
    assert (raised.partner, raised.operation) == (tmf, PartnerOperation.RAISE)
    ticket = json.loads(raised.body)
    assert ticket["externalId"] == fault.buyer_fault_reference
    assert ticket["severity"] == "Medium"
    page = agent_client.get(answer["Location"]).content.decode()
    assert f"submitted to {tmf}" in page


def test_a_service_outage_with_the_tmf_supplier_shows_the_note_not_the_reservation(
    agent_client, both_suppliers
):
    _, tmf = both_suppliers

    answer = checked(agent_client, outage(tmf))

    note = element(answer, "no-appointment-note")
    assert note is not None and note.get("hx-swap-oob") == "true"
    assert "Northway Fibre books no engineer appointments through us" in note.text_content()
    assert "arranges any engineer visit itself" in note.text_content()
    assert 'name="appointment_panel"' not in answer
    assert "Find slots" not in answer
    assert APPOINTMENT_NEEDED_LABEL not in answer
    assert "No problems found so far." in answer


def test_choosing_the_other_supplier_swaps_the_note_for_the_reservation(
    agent_client, both_suppliers
):
    ticketing, tmf = both_suppliers
    shown_for_tmf = {**outage(tmf), "no_appointment_note": "shown"}

    answer = checked(agent_client, {**shown_for_tmf, "supplier": ticketing.pk})

    # The note goes, the reservation panel comes, and the reservation is still needed.
    note = element(answer, "no-appointment-note")
    assert note is not None and NOTE not in note.text_content()
    panel = element(answer, "appointment-panel")
    assert panel is not None and "Find slots" in panel.text_content()
    assert APPOINTMENT_NEEDED_LABEL in answer

    back = checked(agent_client, {**outage(tmf), "appointment_panel": "shown"})
    assert NOTE in element(back, "no-appointment-note").text_content()
    assert "Find slots" not in element(back, "appointment-panel").text_content()


def test_the_page_opened_with_a_service_outage_for_the_tmf_supplier_shows_the_note(
    agent_client, both_suppliers
):
    _, tmf = both_suppliers
    # A child of a mass incident starts from its parent's supplier and type.
    parent = fault_create_draft(
        actor=Actor.system("test"),
        supplier=tmf,
        service_id="NWF-PARENT",
        fault_type=FaultType.SERVICE_OUTAGE,
    )

    page = agent_client.get(RAISE, {"parent": parent.buyer_fault_reference}).content.decode()

    assert NOTE in element(page, "no-appointment-note").text_content()
    assert element(page, "appointment-panel").text_content().strip() == ""


def test_a_service_outage_is_raised_with_the_tmf_supplier_without_a_reservation(
    agent_client, both_suppliers
):
    _, tmf = both_suppliers

    answer = agent_client.post(RAISE, {**outage(tmf), "intent": "submit"})

    assert answer.status_code == 302, answer.content.decode()
    fault = Fault.objects.get()
    assert fault.status == FaultStatus.PENDING
    assert fault.appointment_reservation_key == ""
    ticket = json.loads(OutboundMessage.objects.get(fault=fault).body)
    assert ticket["severity"] == "High"
    # Raised, it offers no re-appointment: there is nobody to book one with.
    page = agent_client.get(answer["Location"]).content.decode()
    assert "Re-appoint" not in page


def test_the_other_supplier_still_needs_a_reservation_for_a_service_outage(
    agent_client, both_suppliers
):
    ticketing, _ = both_suppliers

    answer = agent_client.post(RAISE, {**outage(ticketing), "intent": "submit"})

    assert answer.status_code == 400
    assert not Fault.objects.exists()
    assert "query the slots and reserve one" in answer.content.decode()


def test_the_rule_asks_no_reservation_of_a_supplier_without_appointments(tmf_supplier):
    draft = fault_create_draft(
        actor=Actor.system("test"),
        supplier=tmf_supplier,
        service_id="NWF-3",
        fault_type=FaultType.SERVICE_OUTAGE,
    )
    assert not tmf_supplier.offers_appointments
    assert appointment_rule_errors(draft) == {}

    # A reservation it could not have made is refused, naming the supplier.
    draft.appointment_reservation_key = "K1"
    draft.appointment_valid_until = timezone.now() + timedelta(hours=1)
    (message,) = appointment_rule_errors(draft)["appointment_reservation_key"]
    assert message.startswith("Northway Fibre books no engineer appointments")
