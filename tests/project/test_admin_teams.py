"""Teams in the admin: an admin makes a team and puts agents in it (a two-pane member picker);
the fault's change page shows its owner and team read-only (an assignment goes through the
ownership service, on the fault page or the API); the fault list filters by team."""

import pytest
from django.urls import reverse

from faults.models.workspace import Team
from faults.services import Actor, fault_assign
from tests.helpers import admin_form_data

pytestmark = pytest.mark.django_db


def test_an_admin_makes_a_team_of_agents(admin_client, agent_user):
    page = admin_client.get(reverse("admin:faults_team_add"))
    assert page.status_code == 200
    assert "selectfilter" in page.content.decode()  # filter_horizontal's widget

    answer = admin_client.post(
        reverse("admin:faults_team_add"), {"name": "Core", "members": [agent_user.pk]}
    )

    assert answer.status_code == 302
    assert list(Team.objects.get(name="Core").members.all()) == [agent_user]
    listing = admin_client.get(reverse("admin:faults_team_changelist")).content.decode()
    assert "Core" in listing


def test_the_fault_change_page_shows_owner_and_team_read_only(admin_client, draft, agent_user):
    core = Team.objects.create(name="Core")
    core.members.add(agent_user)
    fault_assign(fault_id=draft.pk, owner=agent_user, team=core, actor=Actor.for_user(agent_user))
    url = reverse("admin:faults_fault_change", args=[draft.pk])

    page = admin_client.get(url)
    html = page.content.decode()
    assert "field-owner" in html and "test-agent" in html and "field-team" in html
    data = admin_form_data(page)
    assert "owner" not in data and "team" not in data

    # Posting an owner anyway changes nothing: the field is not the form's.
    data["owner"] = ""
    admin_client.post(url, data)
    draft.refresh_from_db()
    assert draft.owner == agent_user


def test_the_fault_changelist_filters_by_team(admin_client, draft, agent_user):
    core = Team.objects.create(name="Core")
    answer = admin_client.get(
        reverse("admin:faults_fault_changelist"), {"team__id__exact": core.pk}
    )
    assert answer.status_code == 200
    assert draft.buyer_fault_reference not in answer.content.decode()
