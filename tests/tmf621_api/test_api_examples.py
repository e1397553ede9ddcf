"""The specifications' examples replayed against our API (`examples/README.md` says where each
comes from): each request sent as written, the answer checked against the official v4 schema
(`v4_ticket_errors`) and against what the example's specification promises (MEF 124 R11: every
attribute the buyer provided comes back unchanged)."""

import json
from pathlib import Path

import pytest

from faults.choices import FaultStatus
from faults.models import Fault
from integrations.tmf621.schema import SPEC_PATH, validation_errors
from tests.helpers import bring_to
from tests.tmf621_api.conftest import TICKETS, patch_ticket, post_ticket, v4_ticket_errors

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).parent / "examples"


def example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def _example_keys(node, found: list) -> list:
    if isinstance(node, dict):
        found += [key for key in node if key in ("example", "examples", "x-example")]
        for value in node.values():
            _example_keys(value, found)
    elif isinstance(node, list):
        for value in node:
            _example_keys(value, found)
    return found


def test_the_v4_specification_has_no_trouble_ticket_example_to_replay():
    paths = json.loads(SPEC_PATH.read_text(encoding="utf-8"))["paths"]
    ticket_paths = {path: item for path, item in paths.items() if path.startswith("/troubleTicket")}
    assert set(ticket_paths) == {"/troubleTicket", "/troubleTicket/{id}"}
    assert _example_keys(ticket_paths, []) == []


# --- MEF 124 §6.1.2: create ---------------------------------------------------------------------
MEF_AS_PROVIDED = (
    "description",
    "externalId",
    "issueStartDate",
    "priority",
    "severity",
    "ticketType",
    "attachment",
    "note",
    "relatedEntity",
    "relatedContactInformation",
)


def test_mef124_create_example_as_written_is_kept_as_a_draft_asking_for_its_observed_impact(
    agent_tmf, supplier_ready
):
    response = post_ticket(agent_tmf, example("mef124_create_request.json"))

    assert response.status_code == 201, response.content
    ticket = response.json()
    assert ticket["status"] == "pending"
    assert "observedImpact" in ticket["statusChangeReason"]  # MEF 124 R9 requires it
    assert Fault.objects.get().status == FaultStatus.DRAFT


def test_mef124_create_example_comes_back_as_provided(agent_tmf, supplier_ready):
    sent = {**example("mef124_create_request.json"), "observedImpact": "down"}

    response = post_ticket(agent_tmf, sent)

    assert response.status_code == 201, response.content
    ticket = response.json()
    assert v4_ticket_errors(ticket) == []
    for name in MEF_AS_PROVIDED:  # MEF 124 R11
        assert ticket[name] == sent[name], name
    assert ticket["observedImpact"] == "down"
    fault = Fault.objects.get(buyer_fault_reference=ticket["id"])
    assert fault.service_id == "01494079-6c79-4a25-83f7-48284196d44d"
    assert fault.fault_type == "Service Outage"
    assert (fault.priority, fault.reporter_name, fault.reporter_email) == (
        1,
        "John Example",
        "john.example@example.com",
    )
    # What our supplier needs and the example does not carry keeps it a pending draft.
    assert ticket["status"] == "pending"
    assert "faultLocation" in ticket["statusChangeReason"]


# --- TMF621 v5.0.1: create ------------------------------------------------------------------------
def _v4_shapes(body: dict) -> dict:
    """v5's nested references as v4's flat ones (v5 moved id and @referredType into
    `entity` / `partyOrPartyRole`)."""
    body = json.loads(json.dumps(body))
    body["relatedParty"] = [
        {"role": party["role"], **party["partyOrPartyRole"]} for party in body["relatedParty"]
    ]
    body["relatedEntity"] = [
        {"role": entity["role"], **entity["entity"]} for entity in body["relatedEntity"]
    ]
    return body


def test_v5_create_example_as_written_is_refused_for_its_v5_shapes(agent_tmf, supplier_ready):
    response = post_ticket(agent_tmf, example("v5_create_request.json"))

    assert response.status_code == 400
    message = response.json()["message"]
    assert "relatedParty[0]: 'id' is a required property" in message
    assert "relatedEntity[0]: 'id' is a required property" in message


def test_v5_create_example_in_v4_shapes_is_a_pending_ticket_as_sent(agent_tmf, supplier_ready):
    sent = _v4_shapes(example("v5_create_request.json"))
    # The least that makes it a fault of ours: the service, and which kind of fault.
    sent["relatedEntity"].append({"id": "SVC-3472", "role": "service", "@referredType": "Service"})
    sent["troubleTicketCharacteristic"] = [{"name": "faultType", "value": "Impaired Service"}]

    response = post_ticket(agent_tmf, sent)

    assert response.status_code == 201, response.content
    ticket = response.json()
    assert v4_ticket_errors(ticket) == []
    for name in (
        "name",
        "description",
        "severity",
        "ticketType",
        "requestedResolutionDate",
        "attachment",
        "channel",
        "note",
        "relatedEntity",
    ):
        assert ticket[name] == sent[name], name
    sent_parties = [party for party in ticket["relatedParty"] if party["role"] != "supplier"]
    assert sent_parties[1:] == sent["relatedParty"]  # after our buyer identifier
    # The system's own: the client's status and expected resolution date are ignored.
    assert ticket["status"] == "pending"  # as the example's answer: waiting on the buyer
    assert "expectedResolutionDate" not in ticket
    assert "faultStartTime" in ticket["statusChangeReason"]


# --- TMF621 v5.0.1: merge patch, and a filtered and projected list -----------------------------
def test_v5_merge_patch_example_is_refused_since_the_supplier_resolves(agent_tmf, draft):
    fault = bring_to(draft, "in-progress")

    response = patch_ticket(
        agent_tmf, fault.buyer_fault_reference, example("v5_patch_merge_request.json")
    )

    assert response.status_code == 409
    error = response.json()
    assert validation_errors("error", error) == []
    assert "supplier" in error["reason"]
    fault.refresh_from_db()
    assert fault.status == "in-progress"


def test_v5_list_with_filter_and_fields_example(agent_tmf, partner, buyer_identifier):
    from tests.factories import FaultFactory

    high = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier, priority=2)
    FaultFactory(supplier=partner, buyer_identifier=buyer_identifier, priority=4)

    response = agent_tmf.get(f"{TICKETS}?priority=High&fields=id,href,name,@type,priority")

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": high.buyer_fault_reference,
            "href": f"http://testserver{TICKETS}/{high.buyer_fault_reference}",
            "name": f"Impaired Service on {high.service_id}",
            "priority": 2,
            "@type": "TroubleTicket",
        }
    ]
    assert v4_ticket_errors(response.json()[0]) == []
