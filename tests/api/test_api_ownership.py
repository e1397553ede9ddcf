"""Ownership through the API: owner (username) and team (name) on the list and the detail,
the list filtered by owner, team and assigned; POST assign (a key left out keeps its value,
null clears it) and assign-to-me through the service; bad values are a 400 naming the field
and change nothing; readers are refused; nothing is sent to the supplier."""

import pytest
from django.contrib.auth import get_user_model

from faults.choices import EventKind, FaultStatus
from faults.models.workspace import Team
from faults.roles import AGENT, ensure_role_groups
from integrations.models import OutboundMessage
from tests.factories import FaultFactory
from tests.helpers import bring_to, events

pytestmark = pytest.mark.django_db
LIST = "/api/v1/faults/"


def url(fault, action: str = "") -> str:
    return f"{LIST}{fault.buyer_fault_reference}/{action + '/' if action else ''}"


@pytest.fixture
def core(agent_user):
    team = Team.objects.create(name="Core")
    team.members.add(agent_user)
    return team


@pytest.fixture
def fault(draft):
    return bring_to(draft, FaultStatus.IN_PROGRESS)


def test_assign_shows_owner_and_team_and_sends_nothing(agent_api, fault, core):
    sent_before = OutboundMessage.objects.filter(fault=fault).count()

    answer = agent_api.post(
        url(fault, "assign"), {"owner": "test-agent", "team": "Core"}, format="json"
    )

    assert answer.status_code == 200, answer.content
    assert (answer.json()["owner"], answer.json()["team"]) == ("test-agent", "Core")
    detail = agent_api.get(url(fault)).json()
    assert (detail["owner"], detail["team"]) == ("test-agent", "Core")
    assert [e["kind"] for e in detail["events"]].count(EventKind.ASSIGNED) == 1
    assert OutboundMessage.objects.filter(fault=fault).count() == sent_before


def test_a_left_out_key_keeps_its_value_and_null_clears(agent_api, fault, core):
    agent_api.post(url(fault, "assign"), {"owner": "test-agent", "team": "Core"}, format="json")

    kept = agent_api.post(url(fault, "assign"), {"owner": None}, format="json").json()
    assert (kept["owner"], kept["team"]) == (None, "Core")
    cleared = agent_api.post(url(fault, "assign"), {"team": None}, format="json").json()
    assert (cleared["owner"], cleared["team"]) == (None, None)
    assert len(events(fault, EventKind.ASSIGNED)) == 3


def test_assign_to_me(agent_api, fault, core):
    answer = agent_api.post(url(fault, "assign-to-me"), {}, format="json")
    assert answer.status_code == 200
    assert (answer.json()["owner"], answer.json()["team"]) == ("test-agent", "Core")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"owner": "nobody-by-that-name"}, "owner"),
        ({"owner": 42}, "owner"),
        ({"team": "No such team"}, "team"),
        ({"owner": "bob", "team": "Core"}, "team"),  # bob is not in Core
        ({"owner": "customer"}, "owner"),  # no role: cannot own a fault
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_values_are_a_400_naming_the_field_and_change_nothing(
    agent_api, fault, core, body, field
):
    bob = get_user_model().objects.create_user(username="bob")
    bob.groups.add(ensure_role_groups()[AGENT])
    get_user_model().objects.create_user(username="customer")

    answer = agent_api.post(url(fault, "assign"), body, format="json")

    assert answer.status_code == 400, answer.content
    assert field in answer.json()["error"]["fields"]
    fault.refresh_from_db()
    assert (fault.owner, fault.team) == (None, None)
    assert events(fault, EventKind.ASSIGNED) == []


def test_a_reader_cannot_assign(manager_api, fault):
    answer = manager_api.post(url(fault, "assign-to-me"), {}, format="json")
    assert answer.status_code == 403
    fault.refresh_from_db()
    assert fault.owner is None


def test_the_list_shows_and_filters_by_owner_team_and_assigned(
    agent_api, agent_user, partner, buyer_identifier, fault, core
):
    agent_api.post(url(fault, "assign"), {"owner": "test-agent", "team": "Core"}, format="json")
    other = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)

    def refs(**params):
        rows = agent_api.get(LIST, params).json()["results"]
        return {row["buyer_fault_reference"]: (row["owner"], row["team"]) for row in rows}

    mine = {fault.buyer_fault_reference: ("test-agent", "Core")}
    assert refs(owner="test-agent") == mine
    assert refs(team="Core") == mine
    assert refs(assigned="mine") == mine
    assert refs(assigned="team") == mine
    assert refs(assigned="unassigned") == {other.buyer_fault_reference: (None, None)}
    assert agent_api.get(LIST, {"assigned": "everyone"}).status_code == 400
