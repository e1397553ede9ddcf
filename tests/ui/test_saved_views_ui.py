"""Saved views, as a user meets them on the fault list, the queue and the views page: save the
list as it is, open it again with its filters, sort and columns, open on one's default view
(and get back to no view), share with a team, manage one's views; bad input says what is wrong
and changes nothing."""

from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from faults.choices import SavedViewPage
from faults.models.workspace import SavedView, Team
from faults.roles import AGENT, ensure_role_groups
from faults.services.saved_views import saved_view_create
from faults.ui.worklists.columns import default_columns
from tests.factories import FaultFactory

pytestmark = pytest.mark.django_db


def page_of(answer) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(answer.content.decode())


def listed(answer) -> list[str]:
    """The references of the rows, in order (each row's first link to a fault)."""
    rows = page_of(answer).xpath("//table[contains(@class, 'fault-list')]/tbody/tr")
    return [row.xpath(".//a[starts-with(@href, '/faults/')]")[0].text_content() for row in rows]


def headers(answer) -> list[str]:
    return [
        " ".join(th.text_content().split()).rstrip(" ▲▼")
        for th in page_of(answer).xpath("//table[contains(@class, 'fault-list')]//th")
        if th.text_content().strip() != "Select"  # the bulk actions' checkbox column
    ]


def view_links(answer) -> list[str]:
    return [
        " ".join(a.text_content().split())
        for a in page_of(answer).xpath("//ul[@class='saved-views-list']//a")
    ]


def another_agent(username: str) -> tuple:
    user = get_user_model().objects.create_user(username=username)
    user.groups.add(ensure_role_groups()[AGENT])
    client = Client()
    client.force_login(user)
    return user, client


@pytest.fixture
def faults(partner, buyer_identifier):
    def make(priority: int, reference: str):
        return FaultFactory(
            supplier=partner,
            buyer_identifier=buyer_identifier,
            priority=priority,
            buyer_fault_reference=reference,
        )

    return [make(1, "NOC-P1-A"), make(3, "NOC-P3"), make(1, "NOC-P1-B")]


@pytest.fixture
def ops(agent_user):
    team = Team.objects.create(name="Ops")
    team.members.add(agent_user)
    return team


def save(client, **fields):
    data = {"page": "list", "query": "", "columns": "", "name": "", **fields}
    return client.post("/views/save/", data)


def test_the_list_offers_to_save_what_it_shows(agent_client, faults):
    answer = agent_client.get("/faults/?priority=1&sort=reference&columns=reference,priority")

    form = page_of(answer).xpath("//details[@class='save-view']//form")[0]
    assert form.get("action") == "/views/save/"
    values = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    assert parse_qs(values["query"]) == {"priority": ["1"], "sort": ["reference"]}
    assert values["columns"] == "reference,priority"


def test_a_saved_view_opens_with_its_filters_sort_and_columns(agent_client, faults):
    saved = save(
        agent_client,
        name="P1 by reference",
        query="priority=1&sort=reference",
        columns="reference,priority",
    )
    view = SavedView.objects.get()
    assert (view.query, view.columns) == ("priority=1&sort=reference", ["reference", "priority"])
    assert saved.status_code == 302

    opened = agent_client.get(f"/faults/?view={view.pk}", follow=True)

    assert listed(opened) == ["NOC-P1-A", "NOC-P1-B"]
    assert headers(opened) == ["Reference", "Priority"]
    current = page_of(opened).xpath("//*[@id='saved-view-current']")[0].text_content()
    assert "Showing view P1 by reference" in current
    assert "View “P1 by reference” saved." in opened.content.decode()


def test_the_list_opens_on_the_default_view_and_no_view_is_one_click_away(
    agent_client, agent_user, faults
):
    saved_view_create(owner=agent_user, page="list", name="P3", query="priority=3", is_default=True)

    opened = agent_client.get("/faults/")
    assert opened.status_code == 302
    assert parse_qs(urlsplit(opened["Location"]).query)["priority"] == ["3"]
    followed = agent_client.get(opened["Location"])
    assert listed(followed) == ["NOC-P3"]

    no_view = page_of(followed).xpath("//ul[@class='saved-views-list']//a[.='No view']")[0]
    back = agent_client.get(f"/faults/{no_view.get('href')}")
    assert back.status_code == 200
    assert sorted(listed(back)) == ["NOC-P1-A", "NOC-P1-B", "NOC-P3"]
    # "Clear filters" also leads to no view, not back to the default.
    clear = page_of(back).xpath("//a[.='Clear filters']")[0].get("href")
    assert agent_client.get(clear).status_code == 200


def test_a_changed_view_can_be_updated_by_its_owner(agent_client, agent_user, faults):
    view = saved_view_create(owner=agent_user, page="list", name="P1", query="priority=1")

    answer = agent_client.get(f"/faults/?priority=3&view={view.pk}")
    assert "changed" in page_of(answer).xpath("//*[@id='saved-view-current']")[0].text_content()
    form = page_of(answer).xpath("//form[@class='saved-view-overwrite']")[0]
    fields = {i.get("name"): i.get("value") for i in form.xpath(".//input")}
    agent_client.post(form.get("action"), fields)

    view.refresh_from_db()
    assert view.query == "priority=3"


def test_a_view_shared_with_a_team_is_offered_to_its_members_only(
    agent_client, agent_user, ops, faults
):
    save(agent_client, name="Team P1", query="priority=1", shared_with=str(ops.pk))
    view = SavedView.objects.get()
    member, member_client = another_agent("bob")
    ops.members.add(member)
    stranger, stranger_client = another_agent("carol")
    Team.objects.create(name="Field").members.add(stranger)

    assert "Team P1" in view_links(member_client.get("/faults/?view=none"))
    opened = member_client.get(f"/faults/?view={view.pk}", follow=True)
    assert sorted(listed(opened)) == ["NOC-P1-A", "NOC-P1-B"]
    # A member uses it but cannot change it.
    assert not page_of(opened).xpath("//form[@class='saved-view-overwrite']")
    renamed = member_client.post(f"/views/{view.pk}/rename/", {"name": "Bob's"})
    assert renamed.status_code == 404
    view.refresh_from_db()
    assert view.name == "Team P1"

    assert "Team P1" not in view_links(stranger_client.get("/faults/?view=none"))
    refused = stranger_client.get(f"/faults/?view={view.pk}", follow=True)
    assert "does not exist or is not shared with you" in refused.content.decode()
    assert sorted(listed(refused)) == ["NOC-P1-A", "NOC-P1-B", "NOC-P3"]


def test_an_invalid_query_is_refused_with_the_reason_and_nothing_saved(agent_client, faults):
    answer = save(agent_client, name="Bad", query="priority=9&created_from=2026-13-01")

    assert answer.status_code == 400
    said = page_of(answer).xpath("//*[@role='alert']")[0].text_content()
    assert "Nothing was changed" in said
    assert "Priority" in said and "Created from" in said
    assert not SavedView.objects.exists()


def test_a_blank_name_or_a_taken_one_is_refused(agent_client, agent_user, faults):
    saved_view_create(owner=agent_user, page="list", name="Mine", query="")

    assert "Give the view a name" in save(agent_client, name=" ").content.decode()
    taken = save(agent_client, name="mine")
    assert taken.status_code == 400
    assert "already have a view called" in taken.content.decode()
    assert SavedView.objects.count() == 1


def test_the_views_page_renames_shares_sets_default_and_deletes(agent_client, agent_user, ops):
    view = saved_view_create(owner=agent_user, page="list", name="P1", query="priority=1")

    agent_client.post(f"/views/{view.pk}/rename/", {"name": "Urgent"})
    agent_client.post(f"/views/{view.pk}/share/", {"shared_with": str(ops.pk)})
    agent_client.post(f"/views/{view.pk}/default/")
    view.refresh_from_db()
    assert (view.name, view.shared_with, view.is_default) == ("Urgent", ops, True)

    page = agent_client.get("/views/")
    assert page.status_code == 200
    assert page_of(page).xpath("//table//a[.='Urgent']")[0].get("href").startswith("/faults/?")

    deleted = agent_client.post(f"/views/{view.pk}/delete/", follow=True)
    assert "View “Urgent” deleted." in deleted.content.decode()
    assert not SavedView.objects.exists()


def test_an_unknown_action_is_refused(agent_client, agent_user):
    view = saved_view_create(owner=agent_user, page="list", name="P1", query="")

    assert agent_client.post(f"/views/{view.pk}/publish/").status_code == 400
    assert agent_client.get(f"/views/{view.pk}/delete/").status_code == 405
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_the_queue_opens_on_the_default_queue_view(agent_client, agent_user):
    view = saved_view_create(
        owner=agent_user, page=SavedViewPage.QUEUE, name="Morning", query="", is_default=True
    )

    opened = agent_client.get("/queue/")
    assert opened.status_code == 302
    assert opened["Location"] == f"/queue/?view={view.pk}"
    page = agent_client.get(opened["Location"])
    assert (
        "Showing view Morning"
        in page_of(page).xpath("//*[@id='saved-view-current']")[0].text_content()
    )
    # The live part refreshes the same view, and never redirects.
    panel = page_of(page).xpath("//*[@id='queue-panel']")[0]
    assert panel.get("hx-get") == f"/queue/?view={view.pk}"
    assert agent_client.get("/queue/", headers={"HX-Request": "true"}).status_code == 200


def test_a_manager_has_no_queue_views(manager_client):
    answer = manager_client.post(
        "/views/save/", {"page": "queue", "query": "", "columns": "", "name": "Q"}
    )

    assert answer.status_code == 400
    assert not SavedView.objects.exists()


@pytest.mark.parametrize("asked", ["abc", "99999999999999999999999", "-1"])
def test_a_view_number_that_names_no_view_says_so(agent_client, asked, faults):
    answer = agent_client.get(f"/faults/?view={asked}", follow=True)

    assert answer.status_code == 200
    assert "does not exist or is not shared with you" in answer.content.decode()


def test_a_huge_view_or_team_number_is_refused_not_a_crash(agent_client, agent_user):
    view = saved_view_create(owner=agent_user, page="list", name="P1", query="")
    huge = "9" * 25

    assert agent_client.post(f"/views/{huge}/delete/").status_code == 404
    shared = agent_client.post(f"/views/{view.pk}/share/", {"shared_with": huge})
    assert shared.status_code == 400
    assert save(agent_client, name="X", shared_with=huge).status_code == 400


def test_the_form_sending_the_view_as_it_is_does_not_count_as_a_change(
    agent_client, agent_user, faults
):
    """The filter form sends every field (empty ones, the default sort, the default columns
    ticked): that is the view unchanged, and saving it again keeps the same query."""
    view = saved_view_create(owner=agent_user, page="list", name="P1", query="priority=1")
    defaults = [c.key for c in default_columns()]
    sent = {"q": "", "priority": "1", "supplier": "", "sort": "-created", "view": str(view.pk)}

    answer = agent_client.get(
        "/faults/", {**sent, "columns": defaults}, headers={"HX-Request": "1"}
    )

    current = page_of(answer).xpath("//*[@id='saved-view-current']")[0].text_content()
    assert "changed" not in current
    form = page_of(answer).xpath("//details[@class='save-view']//form")[0]
    values = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    assert (values["query"], values["columns"]) == ("priority=1", "")


def test_a_queue_view_keeps_the_queues_switch(agent_client, agent_user):
    saved = agent_client.post(
        "/views/save/",
        {
            "page": "queue",
            "query": "assigned=mine",
            "columns": "",
            "name": "Mine",
            "is_default": "on",
        },
    )
    view = SavedView.objects.get()
    assert saved["Location"] == f"/queue/?assigned=mine&view={view.pk}"

    opened = agent_client.get("/queue/")
    assert opened["Location"] == f"/queue/?assigned=mine&view={view.pk}"
    refused = agent_client.post(
        "/views/save/", {"page": "queue", "query": "assigned=everyone", "name": "Bad"}
    )
    assert refused.status_code == 400
    assert SavedView.objects.count() == 1
