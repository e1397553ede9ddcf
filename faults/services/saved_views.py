"""Saved views of the fault list and the queue: a name for a set of filters, sort and columns.

A view belongs to its owner, who alone renames, overwrites, shares or deletes it. Shared with a
team the owner belongs to, its members may open it (not change it). Each user may mark one view
per page as the default, the one the page opens on when no query is given (a database
constraint holds it: making a view the default unmarks the owner's previous one first).

Every query is re-read by the page's own filter form before it is stored
(`faults.ui.worklists.view_queries`): a view never holds what the page would refuse. Errors are
FaultValidationError with the field's messages; nothing is written then.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from faults.choices import SavedViewPage
from faults.errors import FaultNotFound, FaultValidationError
from faults.models.workspace import SavedView, Team
from faults.ui.worklists.view_queries import column_problems, query_problems
from faults.validators import is_blank

NAME_MAX = SavedView._meta.get_field("name").max_length


def _refuse(field: str, message: str) -> FaultValidationError:
    return FaultValidationError(message, errors={field: [message]})


def _clean_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if is_blank(cleaned):
        raise _refuse("name", "Give the view a name.")
    if len(cleaned) > NAME_MAX:
        raise _refuse("name", f"A view's name is at most {NAME_MAX} characters.")
    return cleaned


def _check_page(page: str) -> None:
    if page not in SavedViewPage.values:
        raise _refuse("page", f"Views are saved of the fault list or the queue, not “{page}”.")


def _check_query(page: str, query: str, columns: list[str]) -> None:
    problems = query_problems(page, query)
    if problems:
        raise FaultValidationError(
            "The view was not saved: the page cannot read its filters. " + " ".join(problems),
            errors={"query": problems},
        )
    problems = column_problems(page, columns)
    if problems:
        raise FaultValidationError(
            "The view was not saved: " + " ".join(problems), errors={"columns": problems}
        )


def _check_name_free(*, owner: AbstractBaseUser, page: str, name: str, but: int | None) -> None:
    taken = SavedView.objects.filter(owner=owner, page=page, name__iexact=name)
    if but is not None:
        taken = taken.exclude(pk=but)
    if taken.exists():
        raise _refuse("name", f"You already have a view called “{name}” on this page.")


def _check_team(owner: AbstractBaseUser, team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(pk=team_id, members=owner).first()
    if team is None:
        raise _refuse("shared_with", "A view can only be shared with a team you belong to.")
    return team


def _own_view(*, view_id: int, owner: AbstractBaseUser) -> SavedView:
    """The owner's view, locked; another user's view is not found (it is not theirs to change,
    and whether it exists is not theirs to know)."""
    view = SavedView.objects.select_for_update().filter(pk=view_id, owner=owner).first()
    if view is None:
        raise FaultNotFound("You have no such view; only its owner may change a view.")
    return view


def _unmark_default(*, owner: AbstractBaseUser, page: str, but: int | None = None) -> None:
    others = SavedView.objects.filter(owner=owner, page=page, is_default=True)
    if but is not None:
        others = others.exclude(pk=but)
    others.update(is_default=False)


def _save(view: SavedView) -> SavedView:
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError as exc:  # a double submit raced past the name check
        raise _refuse("name", f"You already have a view called “{view.name}”.") from exc
    return view


@transaction.atomic
def saved_view_create(
    *,
    owner: AbstractBaseUser,
    page: str,
    name: str,
    query: str,
    columns: list[str] | None = None,
    shared_with_id: int | None = None,
    is_default: bool = False,
) -> SavedView:
    """Save the page's filters and sort (`query`, a query string) and columns under a name."""
    _check_page(page)
    name = _clean_name(name)
    columns = list(columns or [])
    _check_query(page, query, columns)
    _check_name_free(owner=owner, page=page, name=name, but=None)
    team = _check_team(owner, shared_with_id)
    if is_default:
        _unmark_default(owner=owner, page=page)
    return _save(
        SavedView(
            owner=owner,
            page=page,
            name=name,
            query=query,
            columns=columns,
            shared_with=team,
            is_default=is_default,
        )
    )


@transaction.atomic
def saved_view_overwrite(
    *, view_id: int, owner: AbstractBaseUser, query: str, columns: list[str] | None = None
) -> SavedView:
    """Replace the view's filters, sort and columns with the page's current ones."""
    view = _own_view(view_id=view_id, owner=owner)
    columns = list(columns or [])
    _check_query(view.page, query, columns)
    view.query, view.columns = query, columns
    return _save(view)


@transaction.atomic
def saved_view_rename(*, view_id: int, owner: AbstractBaseUser, name: str) -> SavedView:
    view = _own_view(view_id=view_id, owner=owner)
    name = _clean_name(name)
    _check_name_free(owner=owner, page=view.page, name=name, but=view.pk)
    view.name = name
    return _save(view)


@transaction.atomic
def saved_view_share(*, view_id: int, owner: AbstractBaseUser, team_id: int | None) -> SavedView:
    """Share the view with one of the owner's teams, or (None) make it private again."""
    view = _own_view(view_id=view_id, owner=owner)
    view.shared_with = _check_team(owner, team_id)
    return _save(view)


@transaction.atomic
def saved_view_set_default(*, view_id: int, owner: AbstractBaseUser, is_default: bool) -> SavedView:
    """Make the view the one its page opens on (unmarking the previous one), or stop it being."""
    view = _own_view(view_id=view_id, owner=owner)
    if is_default:
        _unmark_default(owner=owner, page=view.page, but=view.pk)
    view.is_default = is_default
    return _save(view)


@transaction.atomic
def saved_view_delete(*, view_id: int, owner: AbstractBaseUser) -> str:
    """Delete the view; returns its name."""
    view = _own_view(view_id=view_id, owner=owner)
    view.delete()
    return view.name


# --- reading ----------------------------------------------------------------------------------


def views_visible_to(user: AbstractBaseUser, page: str) -> QuerySet[SavedView]:
    """The user's own views of the page and those shared with a team they are in."""
    teams = Team.objects.filter(members=user).values("pk")
    return (
        SavedView.objects.filter(page=page)
        .filter(Q(owner=user) | Q(shared_with__in=teams))
        .select_related("owner", "shared_with")
        .order_by("name", "pk")
    )


def view_visible_to(user: AbstractBaseUser, view_id: int) -> SavedView | None:
    return SavedView.objects.filter(
        Q(owner=user) | Q(shared_with__members=user), pk=view_id
    ).first()


def default_view(user: AbstractBaseUser, page: str) -> SavedView | None:
    return SavedView.objects.filter(owner=user, page=page, is_default=True).first()
