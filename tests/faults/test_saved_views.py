"""Saved views, the services: a view keeps what the page can read and nothing else, names are
unique per user and page, one default per user and page, only the owner changes a view, and a
view is seen by its owner and the members of the team it is shared with."""

import pytest
from django.contrib.auth import get_user_model

from faults.choices import SavedViewPage
from faults.errors import FaultNotFound, FaultValidationError
from faults.models.workspace import SavedView, Team
from faults.services.saved_views import (
    default_view,
    saved_view_create,
    saved_view_delete,
    saved_view_overwrite,
    saved_view_rename,
    saved_view_set_default,
    saved_view_share,
    view_visible_to,
    views_visible_to,
)

pytestmark = pytest.mark.django_db
LIST = SavedViewPage.LIST


def user(name: str):
    return get_user_model().objects.create_user(username=name)


@pytest.fixture
def alice():
    return user("alice")


@pytest.fixture
def team(alice):
    ops = Team.objects.create(name="Ops")
    ops.members.add(alice)
    return ops


def create(owner, name="Open P1", query="priority=1&status=in-progress", **kwargs):
    return saved_view_create(owner=owner, page=LIST, name=name, query=query, **kwargs)


def test_a_view_keeps_the_filters_sort_and_columns(alice):
    view = create(alice, query="priority=1&sort=-sla", columns=["status", "sla"])

    stored = SavedView.objects.get(pk=view.pk)
    assert (stored.owner, stored.page, stored.name) == (alice, LIST, "Open P1")
    assert stored.query == "priority=1&sort=-sla"
    assert stored.columns == ["status", "sla"]
    assert stored.shared_with is None and not stored.is_default


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("priority=9", "Priority"),
        ("created_from=2026-02-30", "Created from"),
        ("created_from=2026-03-02&created_to=2026-03-01", "end date is before the start"),
        ("sort=colour", "not a column the list can be sorted by"),
    ],
)
def test_a_query_the_list_cannot_read_is_refused_and_nothing_is_saved(alice, query, said):
    with pytest.raises(FaultValidationError) as refused:
        create(alice, query=query)

    assert said in refused.value.message
    assert refused.value.errors["query"]
    assert not SavedView.objects.exists()


def test_unknown_columns_are_refused(alice):
    with pytest.raises(FaultValidationError) as refused:
        create(alice, columns=["status", "colour"])

    assert "colour" in refused.value.errors["columns"][0]
    assert not SavedView.objects.exists()


def test_a_queue_view_holds_no_filter_the_queue_does_not_have(alice):
    with pytest.raises(FaultValidationError):
        saved_view_create(owner=alice, page=SavedViewPage.QUEUE, name="Q", query="priority=1")
    with pytest.raises(FaultValidationError):
        saved_view_create(owner=alice, page=SavedViewPage.QUEUE, name="Q", query="", columns=["x"])

    assert saved_view_create(owner=alice, page=SavedViewPage.QUEUE, name="Q", query="").pk


def test_names_are_unique_per_user_and_page_whatever_the_case(alice):
    create(alice, name="Open P1")

    with pytest.raises(FaultValidationError) as refused:
        create(alice, name="  open   p1 ")
    assert "already have a view called" in refused.value.errors["name"][0]

    # Another page, or another user, may use the name.
    saved_view_create(owner=alice, page=SavedViewPage.QUEUE, name="Open P1", query="")
    create(user("bob"), name="Open P1")
    assert SavedView.objects.count() == 3


@pytest.mark.parametrize(("name", "said"), [("   ", "Give the view a name"), ("x" * 81, "80")])
def test_a_blank_or_too_long_name_is_refused(alice, name, said):
    with pytest.raises(FaultValidationError) as refused:
        create(alice, name=name)
    assert said in refused.value.errors["name"][0]


def test_one_default_per_user_and_page_the_new_one_wins(alice):
    first = create(alice, name="First", is_default=True)
    second = create(alice, name="Second", is_default=True)
    queue = saved_view_create(
        owner=alice, page=SavedViewPage.QUEUE, name="Q", query="", is_default=True
    )

    assert default_view(alice, LIST) == second
    assert default_view(alice, SavedViewPage.QUEUE) == queue
    first.refresh_from_db()
    assert not first.is_default

    saved_view_set_default(view_id=first.pk, owner=alice, is_default=True)
    assert default_view(alice, LIST) == first
    saved_view_set_default(view_id=first.pk, owner=alice, is_default=False)
    assert default_view(alice, LIST) is None


def test_the_owner_renames_overwrites_and_deletes(alice):
    view = create(alice)

    saved_view_rename(view_id=view.pk, owner=alice, name="Urgent")
    saved_view_overwrite(view_id=view.pk, owner=alice, query="sort=priority", columns=["status"])
    view.refresh_from_db()
    assert (view.name, view.query, view.columns) == ("Urgent", "sort=priority", ["status"])

    assert saved_view_delete(view_id=view.pk, owner=alice) == "Urgent"
    assert not SavedView.objects.exists()


def test_overwriting_with_a_query_the_list_cannot_read_changes_nothing(alice):
    view = create(alice)

    with pytest.raises(FaultValidationError):
        saved_view_overwrite(view_id=view.pk, owner=alice, query="priority=banana")

    view.refresh_from_db()
    assert view.query == "priority=1&status=in-progress"


def test_renaming_to_another_of_ones_names_is_refused(alice):
    create(alice, name="A")
    b = create(alice, name="B")

    with pytest.raises(FaultValidationError):
        saved_view_rename(view_id=b.pk, owner=alice, name="a")
    b.refresh_from_db()
    assert b.name == "B"


def test_no_one_but_the_owner_changes_a_view_even_a_team_member(alice, team):
    view = create(alice, shared_with_id=team.pk)
    bob = user("bob")
    team.members.add(bob)

    for change in (
        lambda: saved_view_rename(view_id=view.pk, owner=bob, name="Mine now"),
        lambda: saved_view_overwrite(view_id=view.pk, owner=bob, query=""),
        lambda: saved_view_share(view_id=view.pk, owner=bob, team_id=None),
        lambda: saved_view_set_default(view_id=view.pk, owner=bob, is_default=True),
        lambda: saved_view_delete(view_id=view.pk, owner=bob),
    ):
        with pytest.raises(FaultNotFound):
            change()

    view.refresh_from_db()
    assert (view.name, view.shared_with, view.is_default) == ("Open P1", team, False)


def test_a_view_is_shared_only_with_a_team_of_the_owner(alice, team):
    other = Team.objects.create(name="Field")

    with pytest.raises(FaultValidationError) as refused:
        create(alice, shared_with_id=other.pk)
    assert "team you belong to" in refused.value.errors["shared_with"][0]

    view = create(alice)
    with pytest.raises(FaultValidationError):
        saved_view_share(view_id=view.pk, owner=alice, team_id=other.pk)
    saved_view_share(view_id=view.pk, owner=alice, team_id=team.pk)
    view.refresh_from_db()
    assert view.shared_with == team


def test_members_of_the_team_see_a_shared_view_and_no_one_else_does(alice, team):
    shared = create(alice, name="Shared", shared_with_id=team.pk)
    private = create(alice, name="Private")
    member, stranger = user("bob"), user("carol")
    team.members.add(member)
    Team.objects.create(name="Field").members.add(stranger)

    assert list(views_visible_to(alice, LIST)) == [private, shared]
    assert list(views_visible_to(member, LIST)) == [shared]
    assert list(views_visible_to(stranger, LIST)) == []
    assert view_visible_to(member, shared.pk) == shared
    assert view_visible_to(member, private.pk) is None
    assert view_visible_to(stranger, shared.pk) is None
