"""The queue's switch: all / mine / my team's / unassigned narrows every section of ours to
those faults; the section's 'N more' link carries it to the list; the panel's refresh keeps it;
an unknown value is explained (400) and shows all; a saved queue view may hold it."""

import re

import lxml.html
import pytest
from django.contrib.auth import get_user_model

from faults.models.workspace import Team
from faults.roles import AGENT, ensure_role_groups
from faults.services import Actor, fault_assign
from faults.ui.worklists.view_queries import query_problems
from tests.factories import FaultFactory
from tests.helpers import bring_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_hold(partner, buyer_identifier, agent_user):
    """Four faults on hold: mine, a teammate's, another team's unowned one, and nobody's."""
    bob = get_user_model().objects.create_user(username="bob")
    bob.groups.add(ensure_role_groups()[AGENT])
    core, night = Team.objects.create(name="Core"), Team.objects.create(name="Night")
    core.members.add(agent_user, bob)
    actor = Actor.for_user(agent_user)
    refs = {}
    for name, owner, team in (
        ("mine", agent_user, core),
        ("bobs", bob, core),
        ("nights", None, night),
        ("nobodys", None, None),
    ):
        fault = bring_to(
            FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "on-hold"
        )
        fault_assign(fault_id=fault.pk, owner=owner, team=team, actor=actor)
        refs[name] = fault.buyer_fault_reference
    return refs


def shown(html: str, key: str = "on-hold") -> set[str]:
    match = re.search(rf'<article id="queue-{key}".*?</article>', html, re.S)
    assert match, f"no section {key}"
    return set(re.findall(r'href="/faults/([A-Z]+-\d+)/"', match[0]))


@pytest.mark.parametrize(
    ("assigned", "expected"),
    [
        ("", {"mine", "bobs", "nights", "nobodys"}),
        ("mine", {"mine"}),
        ("team", {"mine", "bobs"}),
        ("unassigned", {"nights", "nobodys"}),
    ],
)
def test_the_switch_narrows_the_sections(agent_client, on_hold, assigned, expected):
    answer = agent_client.get("/queue/", {"assigned": assigned} if assigned else {})
    assert answer.status_code == 200
    html = answer.content.decode()
    assert shown(html) == {on_hold[name] for name in expected}
    tree = lxml.html.fromstring(html)
    [current] = tree.xpath('//nav[contains(@class, "queue-scope")]//a[@aria-current="page"]')
    assert current.get("id") == f"queue-scope-{assigned or 'all'}"


def test_the_panel_refresh_keeps_the_switch(agent_client, on_hold):
    html = agent_client.get("/queue/", {"assigned": "mine"}).content.decode()
    [panel] = lxml.html.fromstring(html).xpath('//*[@id="queue-panel"]')
    assert panel.get("hx-get") == "/queue/?assigned=mine"
    fragment = agent_client.get("/queue/?assigned=mine", HTTP_HX_REQUEST="true").content.decode()
    assert shown(fragment) == {on_hold["mine"]}


def test_more_links_carry_the_switch_to_the_list(settings, agent_client, on_hold):
    settings.QUEUE_SECTION_LIMIT = 1
    html = agent_client.get("/queue/", {"assigned": "team"}).content.decode()
    [more] = lxml.html.fromstring(html).xpath('//*[@id="queue-on-hold"]//a[contains(., "more")]')
    listed = agent_client.get(more.get("href")).content.decode()
    assert on_hold["mine"] in listed and on_hold["bobs"] in listed
    assert on_hold["nobodys"] not in listed


def test_an_unknown_switch_is_explained_and_shows_all(agent_client, on_hold):
    answer = agent_client.get("/queue/", {"assigned": "everyone"})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "The queue has no switch “everyone”" in html
    assert shown(html) == set(on_hold.values())


def test_a_saved_queue_view_may_hold_the_switch_but_no_other_value():
    assert query_problems("queue", "assigned=mine") == []
    assert query_problems("queue", "assigned=all-of-them") == [
        "The queue has no switch “all-of-them” (mine, team or unassigned)."
    ]
