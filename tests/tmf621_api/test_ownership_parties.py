"""Our TroubleTicket carries who in our NOC works the fault: its owner and team as related
parties (`role: owner`, `role: team`), valid against the v4 schema; none when unassigned; a
client's own parties with those roles are not taken for ours; and an assignment is no change
any subscriber or supplier hears of."""

import pytest

from faults.models.workspace import Team
from faults.services import Actor, fault_assign
from integrations.models import OutboundMessage
from integrations.tmf621.schema import validation_errors
from integrations.tmf621_api.representation import ticket
from tests.helpers import bring_to
from tests.tmf621_api.conftest import TICKETS, patch_ticket

pytestmark = pytest.mark.django_db


def parties(body: dict, *roles: str) -> list[dict]:
    return [party for party in body["relatedParty"] if party["role"] in roles]


@pytest.fixture
def assigned(draft, agent_user):
    agent_user.first_name, agent_user.last_name = "Priya", "Shah"
    agent_user.save()
    core = Team.objects.create(name="Core")
    core.members.add(agent_user)
    fault = bring_to(draft, "in-progress")
    fault_assign(fault_id=fault.pk, owner=agent_user, team=core, actor=Actor.for_user(agent_user))
    fault.refresh_from_db()
    return fault


def test_the_owner_and_team_are_related_parties_of_the_ticket(assigned, base_url):
    body = ticket(assigned, base_url=base_url)

    assert validation_errors("ticket", body) == []
    assert parties(body, "owner", "team") == [
        {"id": "test-agent", "name": "Priya Shah", "role": "owner", "@referredType": "Individual"},
        {"id": "Core", "name": "Core", "role": "team", "@referredType": "Organization"},
    ]
    # The supplier is still the last party, as before.
    assert body["relatedParty"][-1]["role"] == "supplier"


def test_an_unassigned_fault_has_no_owner_or_team_party(draft, base_url):
    assert parties(ticket(draft, base_url=base_url), "owner", "team") == []


def test_the_api_answers_them_in_a_fixed_number_of_queries(agent_tmf, assigned):
    one = agent_tmf.get(f"{TICKETS}/{assigned.buyer_fault_reference}")
    assert one.status_code == 200
    assert [p["id"] for p in parties(one.json(), "owner", "team")] == ["test-agent", "Core"]
    listed = agent_tmf.get(TICKETS).json()
    [row] = [t for t in listed if t["id"] == assigned.buyer_fault_reference]
    assert [p["id"] for p in parties(row, "owner", "team")] == ["test-agent", "Core"]


def test_an_assignment_sends_nothing_to_the_supplier(draft, agent_user):
    fault = bring_to(draft, "in-progress")
    sent_before = OutboundMessage.objects.filter(fault=fault).count()
    fault_assign(fault_id=fault.pk, owner=agent_user, team=None, actor=Actor.for_user(agent_user))
    assert OutboundMessage.objects.filter(fault=fault).count() == sent_before


def test_a_clients_owner_party_is_not_taken_for_ours(agent_tmf, assigned):
    body = agent_tmf.get(f"{TICKETS}/{assigned.buyer_fault_reference}").json()
    mine = [p for p in body["relatedParty"] if p["role"] not in ("owner", "team")]
    stranger = {"id": "mallory", "role": "owner", "@referredType": "Individual"}
    patched = patch_ticket(
        agent_tmf, assigned.buyer_fault_reference, {"relatedParty": [*mine, stranger]}
    )
    assert patched.status_code == 200, patched.content

    after = agent_tmf.get(f"{TICKETS}/{assigned.buyer_fault_reference}").json()
    assert [p["id"] for p in parties(after, "owner")] == ["test-agent"]
    assigned.refresh_from_db()
    assert assigned.owner.username == "test-agent"
