"""Ownership on the fault page: the owner and team among the header's facts, "Assign to me"
and the reassign form (plain POST and htmx); a refusal says why, with its status, and changes
nothing; nothing is sent to the supplier; readers get no buttons and are refused."""

import lxml.html
import pytest
from django.contrib.auth import get_user_model

from faults.choices import EventKind, FaultStatus
from faults.models import Fault
from faults.models.workspace import Team
from faults.roles import AGENT, ensure_role_groups
from integrations.models import OutboundMessage
from tests.factories import FaultFactory
from tests.helpers import bring_to, events

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def fault(partner, buyer_identifier, sla_policy) -> Fault:
    return bring_to(
        FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), FaultStatus.IN_PROGRESS
    )


@pytest.fixture
def core(agent_user):
    team = Team.objects.create(name="Core")
    team.members.add(agent_user)
    return team


def url(fault: Fault, action: str = "") -> str:
    return f"/faults/{fault.buyer_fault_reference}/{action + '/' if action else ''}"


def fact(html: bytes | str, element_id: str) -> str:
    return " ".join(lxml.html.fromstring(html).get_element_by_id(element_id).text_content().split())


def test_the_header_says_unassigned_and_offers_assign_to_me(agent_client, fault):
    page = agent_client.get(url(fault)).content
    assert fact(page, "fault-owner") == "— (unassigned)"
    assert fact(page, "fault-team") == "—"
    tree = lxml.html.fromstring(page)
    [button] = tree.xpath('//*[@id="fault-actions"]//button[@id="assign-to-me"]')
    assert button.get("data-shortcut") == "a"
    assert tree.xpath('//form[contains(@class, "assign-form")]//select[@name="assign-owner"]')


def test_assign_to_me_makes_me_the_owner_with_my_team_and_sends_nothing(agent_client, fault, core):
    sent_before = OutboundMessage.objects.filter(fault=fault).count()

    answer = agent_client.post(url(fault, "assign-to-me"))
    page = agent_client.get(answer.url).content.decode()

    assert answer.status_code == 302
    assert (fact(page, "fault-owner"), fact(page, "fault-team")) == ("test-agent", "Core")
    assert "is now yours: test-agent (Core)" in page
    # Once mine, the button is not offered again; the reassign form still is.
    assert 'id="assign-to-me"' not in page
    [row] = events(fault, EventKind.ASSIGNED)
    assert row.message == "Owner: none → test-agent. Team: none → Core."
    assert OutboundMessage.objects.filter(fault=fault).count() == sent_before


def test_reassign_with_htmx_answers_the_panel(agent_client, fault, core):
    bob = get_user_model().objects.create_user(username="bob")
    bob.groups.add(ensure_role_groups()[AGENT])
    core.members.add(bob)

    answer = agent_client.post(
        url(fault, "assign"), {"assign-owner": bob.pk, "assign-team": core.pk}, **HTMX
    )

    assert answer.status_code == 200
    html = answer.content.decode()
    assert html.lstrip().startswith('<div id="fault-panel">')
    assert fact(html, "fault-owner") == "bob"
    assert "is now assigned to bob (Core)" in html
    fault.refresh_from_db()
    assert (fault.owner, fault.team) == (bob, core)


def test_unassign_clears_owner_and_team(agent_client, fault, agent_user, core):
    agent_client.post(url(fault, "assign-to-me"))
    agent_client.post(url(fault, "assign"), {"assign-owner": "", "assign-team": ""})
    fault.refresh_from_db()
    assert (fault.owner, fault.team) == (None, None)
    assert len(events(fault, EventKind.ASSIGNED)) == 2


def test_an_owner_outside_the_team_is_refused_with_the_reason(agent_client, fault, core):
    outsider = get_user_model().objects.create_user(username="outsider")
    outsider.groups.add(ensure_role_groups()[AGENT])

    answer = agent_client.post(
        url(fault, "assign"), {"assign-owner": outsider.pk, "assign-team": core.pk}
    )

    assert answer.status_code == 400
    html = answer.content.decode()
    assert "outsider is not in the team Core" in html
    # The form is open again with the choice kept, so the agent can correct it.
    tree = lxml.html.fromstring(html)
    [details] = tree.xpath('//details[contains(@class, "reassign")]')
    assert details.get("open") is not None
    fault.refresh_from_db()
    assert (fault.owner, fault.team) == (None, None)


@pytest.mark.parametrize("owner", ["999999", "not-a-number"])
def test_an_unknown_owner_is_refused_not_a_500(agent_client, fault, owner):
    answer = agent_client.post(url(fault, "assign"), {"assign-owner": owner})
    assert answer.status_code == 400
    assert "Nothing was changed" in answer.content.decode()


def test_a_manager_gets_no_buttons_and_is_refused(manager_client, manager_user, fault):
    page = manager_client.get(url(fault)).content.decode()
    assert 'id="assign-to-me"' not in page
    answer = manager_client.post(url(fault, "assign-to-me"))
    assert answer.status_code == 403
    fault.refresh_from_db()
    assert fault.owner is None
