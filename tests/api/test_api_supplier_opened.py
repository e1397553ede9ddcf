"""The fault API says who opened a fault (`opened_by`: us, or the supplier for an incident it
opened with us through TEP) and filters by it."""

import pytest

from faults.services import SupplierOpening, fault_open_by_supplier
from tests.factories import FaultFactory
from tests.helpers import SUPPLIER

pytestmark = pytest.mark.django_db

FAULTS = "/api/v1/faults/"


@pytest.fixture
def incident(partner, buyer_identifier):
    fault, _ = fault_open_by_supplier(
        supplier=partner,
        opening=SupplierOpening(partner_reference="INC-42", fields={"service_id": "SVC-1"}),
        actor=SUPPLIER,
    )
    return fault


@pytest.fixture
def ours(partner, buyer_identifier):
    return FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)


def references(answer) -> set[str]:
    assert answer.status_code == 200, answer.content
    return {row["buyer_fault_reference"] for row in answer.json()["results"]}


def test_the_list_and_the_detail_say_who_opened_the_fault(agent_api, incident, ours):
    rows = {row["buyer_fault_reference"]: row for row in agent_api.get(FAULTS).json()["results"]}
    assert rows[incident.buyer_fault_reference]["opened_by"] == "supplier"
    assert rows[ours.buyer_fault_reference]["opened_by"] == "us"

    detail = agent_api.get(f"{FAULTS}{incident.buyer_fault_reference}/").json()
    assert detail["opened_by"] == "supplier"
    assert detail["maintainer_fault_reference"] == "INC-42"
    assert detail["fault_type"] == "Supplier Incident"
    assert detail["status"] == "open"


def test_the_list_filters_by_who_opened_the_fault(agent_api, incident, ours):
    assert references(agent_api.get(FAULTS, {"opened_by": "supplier"})) == {
        incident.buyer_fault_reference
    }
    assert references(agent_api.get(FAULTS, {"opened_by": "us"})) == {ours.buyer_fault_reference}


def test_an_unknown_opened_by_is_refused_with_the_choices(agent_api, incident):
    answer = agent_api.get(FAULTS, {"opened_by": "partner"})
    assert answer.status_code == 400
    assert "opened_by" in answer.content.decode()
