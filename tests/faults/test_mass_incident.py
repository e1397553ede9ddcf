"""Mass incident (`faults.services.mass_incident`): every line checked before anything is made
(service ID, buyer identifier, duplicates, a fault already open on the service); nothing raised
when a line is refused, unless the agent asks for the valid lines only; the parent and its
children raised through `fault_raise`, all or nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from faults.choices import FaultStatus, FaultType
from faults.errors import FaultValidationError
from faults.models import Fault
from faults.services.mass_incident import (
    ServiceLine,
    mass_incident_check,
    mass_incident_raise,
    service_lines_parse,
)
from integrations.models import OutboundMessage
from tests.factories import BuyerIdentifierFactory, FaultFactory, PartnerFactory
from tests.helpers import bring_to

pytestmark = pytest.mark.django_db

DETAILS = {
    "fault_type": FaultType.IMPAIRED_SERVICE,
    "priority": 2,
    "description": "Fibre cut on the A38: every service off cabinet 12.",
    "fault_location": "Cabinet 12, Example Street",
    "triage_complete": True,
    "triage_findings": "No light at the ONTs.",
    "site_access_details": "Street cabinet, no access needed.",
    "site_access_contact_name": "NOC shift lead",
    "site_access_contact_phone": "01632 960001",
}


@pytest.fixture
def details():
    return {**DETAILS, "fault_start_time": timezone.now() - timedelta(hours=1)}


def lines(*services: str) -> list[ServiceLine]:
    return service_lines_parse("\n".join(services))


def test_pasted_lines_and_a_csv_with_a_header_read_the_same():
    pasted = service_lines_parse("SVC1\n\n  SVC2 , SPX2\r\nSVC3\t\n")
    csv = service_lines_parse("service_id,buyer_identifier\nSVC1,\n\nSVC2,SPX2\nSVC3\n")
    assert [(n.service_id, n.buyer_code) for n in pasted] == [
        ("SVC1", ""),
        ("SVC2", "SPX2"),
        ("SVC3", ""),
    ]
    assert [(n.service_id, n.buyer_code) for n in csv] == [
        (n.service_id, n.buyer_code) for n in pasted
    ]
    assert [n.number for n in pasted] == [1, 3, 4]


def test_each_line_is_checked_and_says_why_it_is_refused(partner, buyer_identifier, draft):
    open_fault = bring_to(draft, FaultStatus.IN_PROGRESS)
    closed = bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "closed")
    other = BuyerIdentifierFactory(partner=PartnerFactory(slug="other"), code="SPOTHER")
    BuyerIdentifierFactory(partner=partner, code="SPOLD", is_active=False)

    checks = mass_incident_check(
        supplier=partner,
        lines=lines(
            "SVC-A",
            "svc-a",
            open_fault.service_id,
            closed.service_id,
            "SVC-B,SPNOPE",
            f"SVC-C,{other.code}",
            "SVC-D,SPOLD",
            "S" * 256,
        ),
    )

    assert [(c.line.number, c.refusal) for c in checks] == [
        (1, ""),
        (2, "Listed already on line 1."),
        (3, f"Fault {open_fault} is already open on this service."),
        (4, ""),
        (5, "Buyer identifier SPNOPE is not one of Test Supplier's."),
        (6, "Buyer identifier SPOTHER is not one of Test Supplier's."),
        (7, "Buyer identifier SPOLD is inactive."),
        (8, "The service ID is longer than 255 characters."),
    ]
    assert checks[0].buyer_identifier == buyer_identifier


def test_the_parent_and_its_children_are_raised_and_sent(partner, buyer_identifier, agent, details):
    incident = mass_incident_raise(
        actor=agent,
        supplier=partner,
        lines=lines("SVC-1", "SVC-2", "SVC-3"),
        details=details,
    )

    parent = incident.parent
    assert parent.service_id == "SVC-1" and parent.parent is None
    assert [c.service_id for c in parent.children.order_by("id")] == ["SVC-2", "SVC-3"]
    for fault in [parent, *incident.children]:
        fault.refresh_from_db()
        assert fault.status == FaultStatus.PENDING
        assert (fault.fault_type, fault.priority, fault.description) == (
            DETAILS["fault_type"],
            2,
            DETAILS["description"],
        )
        assert fault.site_access_contact_phone == DETAILS["site_access_contact_phone"]
    # One raise per fault, the parent's written first.
    raises = OutboundMessage.objects.order_by("id").values_list("fault_id", flat=True)
    assert list(raises) == [parent.pk, *[c.pk for c in incident.children]]


def test_one_bad_line_raises_nothing(partner, buyer_identifier, agent, details):
    with pytest.raises(FaultValidationError) as refused:
        mass_incident_raise(
            actor=agent,
            supplier=partner,
            lines=lines("SVC-1", "SVC-2", "SVC-1", "SVC-4,SPNOPE", "SVC-5"),
            details=details,
        )

    assert refused.value.message == "2 of 5 lines are refused: nothing was raised."
    assert refused.value.errors["services"] == [
        "Line 3: Listed already on line 1.",
        "Line 4: Buyer identifier SPNOPE is not one of Test Supplier's.",
    ]
    assert Fault.objects.count() == 0
    assert OutboundMessage.objects.count() == 0


def test_the_agent_may_raise_only_the_valid_lines(partner, buyer_identifier, agent, details):
    incident = mass_incident_raise(
        actor=agent,
        supplier=partner,
        lines=lines("SVC-1,SPNOPE", "SVC-2", "SVC-3", "SVC-2"),
        details=details,
        only_valid=True,
    )

    assert incident.parent.service_id == "SVC-2"
    assert [c.service_id for c in incident.children] == ["SVC-3"]
    assert [c.line.number for c in incident.left_out] == [1, 4]
    assert Fault.objects.count() == 2


def test_shared_details_the_supplier_would_refuse_keep_nothing(
    partner, buyer_identifier, agent, details
):
    del details["site_access_details"]
    with pytest.raises(FaultValidationError) as refused:
        mass_incident_raise(
            actor=agent, supplier=partner, lines=lines("SVC-1", "SVC-2"), details=details
        )
    assert "site_access_details" in refused.value.errors
    assert Fault.objects.count() == 0


@pytest.mark.parametrize("given", ["", "\n \n", "SVC-1,SPNOPE"])
def test_no_valid_line_is_refused(partner, buyer_identifier, agent, details, given):
    with pytest.raises(FaultValidationError):
        mass_incident_raise(
            actor=agent, supplier=partner, lines=lines(given), details=details, only_valid=True
        )
    assert Fault.objects.count() == 0
