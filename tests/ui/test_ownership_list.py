"""Ownership on the fault list: the owner and team columns, and the filters assigned=mine|team|
unassigned, owner=<id> and team=<id>; a bad value is explained, never a 500."""

import re

import lxml.html
import pytest
from django.contrib.auth import get_user_model

from faults.models.workspace import Team
from faults.roles import AGENT, ensure_role_groups
from faults.services import Actor, fault_assign
from tests.factories import FaultFactory

pytestmark = pytest.mark.django_db

ROW = r'<tr>\s*(?:<td class="select">.*?</td>\s*)?<td><a href="/faults/([^/"]+)/">'

TABLE = "//table[contains(@class, 'fault-list')]"


def listed(answer) -> set[str]:
    assert answer.status_code == 200, answer.content.decode()[:2000]
    return set(re.findall(ROW, answer.content.decode()))


@pytest.fixture
def board(partner, buyer_identifier, agent_user):
    """Mine (in Core), a colleague's in Core, one of Night's with no owner, and an unassigned
    one with no team."""
    bob = get_user_model().objects.create_user(username="bob")
    bob.groups.add(ensure_role_groups()[AGENT])
    core, night = Team.objects.create(name="Core"), Team.objects.create(name="Night")
    core.members.add(agent_user, bob)
    actor = Actor.for_user(agent_user)
    faults = {}
    for name, owner, team in (
        ("mine", agent_user, core),
        ("bobs", bob, core),
        ("nights", None, night),
        ("nobodys", None, None),
    ):
        fault = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)
        fault_assign(fault_id=fault.pk, owner=owner, team=team, actor=actor)
        faults[name] = fault.buyer_fault_reference
    return {"faults": faults, "bob": bob, "core": core, "night": night}


def test_assigned_filters_mine_my_teams_and_unassigned(agent_client, board):
    f = board["faults"]
    assert listed(agent_client.get("/faults/", {"assigned": "mine"})) == {f["mine"]}
    assert listed(agent_client.get("/faults/", {"assigned": "team"})) == {f["mine"], f["bobs"]}
    assert listed(agent_client.get("/faults/", {"assigned": "unassigned"})) == {
        f["nights"],
        f["nobodys"],
    }
    assert listed(agent_client.get("/faults/")) == set(f.values())


def test_an_agent_in_no_team_has_no_teams_faults(client, board):
    loner = get_user_model().objects.create_user(username="loner")
    loner.groups.add(ensure_role_groups()[AGENT])
    client.force_login(loner)
    assert listed(client.get("/faults/", {"assigned": "team"})) == set()


def test_owner_and_team_filters(agent_client, board):
    f = board["faults"]
    assert listed(agent_client.get("/faults/", {"owner": board["bob"].pk})) == {f["bobs"]}
    assert listed(agent_client.get("/faults/", {"team": board["night"].pk})) == {f["nights"]}


def test_the_owner_column_is_shown_and_the_team_column_can_be_chosen(agent_client, board):
    default = lxml.html.fromstring(agent_client.get("/faults/", {"assigned": "mine"}).content)
    [table] = default.xpath(TABLE)
    headers = [th.text_content().strip() for th in table.xpath("./thead//th")]
    assert "Owner" in headers and "Team" not in headers
    [row] = table.xpath("./tbody/tr")
    assert row.xpath("./td")[headers.index("Owner")].text_content() == "test-agent"

    chosen = agent_client.get("/faults/", {"assigned": "mine", "columns": "owner,team"})
    [table] = lxml.html.fromstring(chosen.content).xpath(TABLE)
    cells = [td.text_content() for td in table.xpath("./tbody/tr/td")]
    assert cells[-2:] == ["test-agent", "Core"]


@pytest.mark.parametrize("query", [{"assigned": "everyone"}, {"owner": "999999"}, {"team": "abc"}])
def test_a_bad_ownership_filter_is_explained_not_a_500(agent_client, board, query):
    answer = agent_client.get("/faults/", query)
    assert answer.status_code == 400
    assert "error" in answer.content.decode().lower()
