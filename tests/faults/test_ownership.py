"""Ownership (`fault_assign`, `fault_assign_to_me`): assign, reassign and unassign a fault,
recorded on its timeline from whom to whom; a bad owner or an owner outside the team refused
with nothing written; never a domain event a partner could hear."""

import pytest
from django.contrib.auth import get_user_model

from faults import events as domain_events
from faults.choices import EventKind, FaultStatus
from faults.errors import FaultNotFound, FaultValidationError
from faults.models import Fault
from faults.models.workspace import Team
from faults.roles import AGENT, MANAGER, ensure_role_groups
from faults.services import Actor, fault_assign, fault_assign_to_me
from tests.helpers import bring_to, events

pytestmark = pytest.mark.django_db


def _user(username, role=AGENT, **flags):
    user = get_user_model().objects.create_user(username=username, **flags)
    if role:
        user.groups.add(ensure_role_groups()[role])
    return user


@pytest.fixture
def core(agent_user):
    team = Team.objects.create(name="Core")
    team.members.add(agent_user)
    return team


def test_assign_reassign_and_unassign_are_each_on_the_timeline(draft, agent, agent_user, core):
    bob = _user("bob")
    core.members.add(bob)

    fault_assign(fault_id=draft.pk, owner=agent_user, team=core, actor=agent)
    fault_assign(fault_id=draft.pk, owner=bob, team=core, actor=agent)
    fault_assign(fault_id=draft.pk, owner=None, team=None, actor=agent)

    draft.refresh_from_db()
    assert (draft.owner, draft.team) == (None, None)
    rows = events(draft, EventKind.ASSIGNED)
    assert [r.message for r in rows] == [
        "Owner: none → test-agent. Team: none → Core.",
        "Owner: test-agent → bob.",
        "Owner: bob → none. Team: Core → none.",
    ]
    assert rows[1].data == {"owner": {"from": "test-agent", "to": "bob"}}
    assert {r.actor_user for r in rows} == {agent_user}


def test_nothing_is_recorded_when_nothing_changes(draft, agent, agent_user, core):
    fault_assign(fault_id=draft.pk, owner=agent_user, team=core, actor=agent)
    fault_assign(fault_id=draft.pk, owner=agent_user, team=core, actor=agent)
    assert len(events(draft, EventKind.ASSIGNED)) == 1


def test_a_team_without_an_owner_is_allowed(draft, agent, core):
    fault_assign(fault_id=draft.pk, owner=None, team=core, actor=agent)
    draft.refresh_from_db()
    assert (draft.owner, draft.team) == (None, core)


@pytest.mark.parametrize(
    "make_owner",
    [
        lambda: _user("inactive", is_active=False),
        lambda: _user("customer", role=None),
    ],
    ids=["inactive-agent", "no-role"],
)
def test_an_owner_who_cannot_work_faults_is_refused_and_nothing_is_written(
    draft, agent, make_owner
):
    owner = make_owner()
    with pytest.raises(FaultValidationError) as refused:
        fault_assign(fault_id=draft.pk, owner=owner, team=None, actor=agent)
    assert "cannot own a fault" in refused.value.errors["owner"][0]
    draft.refresh_from_db()
    assert draft.owner is None
    assert events(draft, EventKind.ASSIGNED) == []


def test_a_manager_may_own_a_fault(draft, agent):
    boss = _user("boss", role=MANAGER)
    fault_assign(fault_id=draft.pk, owner=boss, team=None, actor=agent)
    assert Fault.objects.get(pk=draft.pk).owner == boss


def test_an_owner_outside_the_given_team_is_refused(draft, agent, core):
    outsider = _user("outsider")
    with pytest.raises(FaultValidationError) as refused:
        fault_assign(fault_id=draft.pk, owner=outsider, team=core, actor=agent)
    assert refused.value.errors["team"] == [
        "outsider is not in the team Core: add them to it, or choose one of their teams."
    ]
    draft.refresh_from_db()
    assert (draft.owner, draft.team) == (None, None)


def test_an_unknown_fault_is_not_found(agent, agent_user):
    with pytest.raises(FaultNotFound):
        fault_assign(fault_id=999999, owner=agent_user, team=None, actor=agent)


@pytest.mark.parametrize("status", [FaultStatus.CLOSED, FaultStatus.CANCELLED])
def test_a_finished_fault_can_still_be_reassigned(draft, agent, agent_user, status):
    fault = bring_to(draft, status)
    fault_assign(fault_id=fault.pk, owner=agent_user, team=None, actor=agent)
    assert len(events(fault, EventKind.ASSIGNED)) == 1


def test_assign_to_me_keeps_the_team_i_am_in(draft, agent, agent_user, core):
    other = Team.objects.create(name="Night")
    other.members.add(agent_user)
    fault_assign(fault_id=draft.pk, owner=None, team=other, actor=agent)

    fault = fault_assign_to_me(fault_id=draft.pk, actor=agent)
    assert (fault.owner, fault.team) == (agent_user, other)


def test_assign_to_me_takes_my_only_team_when_i_am_not_in_the_faults(draft, agent, agent_user):
    mine = Team.objects.create(name="Mine")
    mine.members.add(agent_user)
    theirs = Team.objects.create(name="Theirs")
    fault_assign(fault_id=draft.pk, owner=None, team=theirs, actor=agent)

    fault = fault_assign_to_me(fault_id=draft.pk, actor=agent)
    assert (fault.owner, fault.team) == (agent_user, mine)


def test_assign_to_me_without_a_user_is_refused(draft):
    with pytest.raises(FaultValidationError):
        fault_assign_to_me(fault_id=draft.pk, actor=Actor.system("test"))


def test_an_assignment_is_no_domain_event(draft, agent, agent_user):
    heard = []
    with domain_events.subscribed(heard.append):
        fault_assign(fault_id=draft.pk, owner=agent_user, team=None, actor=agent)
    assert heard == []
    assert len(events(draft, EventKind.ASSIGNED)) == 1
