"""Saved views on the fault list and the queue: open one, open the default, save, and manage.

A view is opened as a URL: `?view=<id>` alone redirects to the page with the view's filters,
sort and columns in the query string and `view=<id>` kept, so the page, its form, its sort
headers and its pages all read one query string as they always did. With no query at all the
page opens on the user's default view; `?view=none` is the way back to no view (it never
redirects). The forms post to the views below and come back to the page they were sent from.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from faults.choices import SavedViewPage
from faults.errors import FaultError
from faults.models.workspace import SavedView, Team
from faults.roles import can_act_on_faults
from faults.services.saved_views import (
    NAME_MAX,
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
from faults.ui.access import reader_required
from faults.ui.worklists.rendering import wants_fragment
from faults.ui.worklists.view_queries import saved_query

NO_VIEW = "none"
PAGE_URLS = {SavedViewPage.LIST: "fault-list", SavedViewPage.QUEUE: "queue"}


def view_url(view: SavedView) -> str:
    """The page with the view applied: its query, its columns, and which view it is."""
    params = view.query
    extra = {"columns": ",".join(view.columns)} if view.columns else {}
    extra["view"] = str(view.pk)
    joined = "&".join(part for part in (params, urlencode(extra)) if part)
    return f"{reverse(PAGE_URLS[view.page])}?{joined}"


def open_saved_view(request: HttpRequest, page: str) -> HttpResponse | None:
    """The redirect that opens a view on `page`, or None when the request is the page itself.

    `?view=<id>` and nothing else opens that view (one the user may see; another is said to be
    gone and the page shows no view). No query string at all opens the user's default view.
    An htmx request for the live part never redirects: it already carries its query."""
    if wants_fragment(request) or request.method != "GET":
        return None
    asked = request.GET.get("view", "")
    if set(request.GET) - {"view"}:
        return None
    if not request.GET:
        view = default_view(request.user, page)
        return HttpResponseRedirect(view_url(view)) if view else None
    if asked == NO_VIEW:
        return None
    view = view_visible_to(request.user, int(asked)) if asked.isdigit() else None
    if view is None or view.page != page:
        messages.error(request, "That saved view does not exist or is not shared with you.")
        return HttpResponseRedirect(f"{reverse(PAGE_URLS[page])}?view={NO_VIEW}")
    target = view_url(view)
    return None if target == request.get_full_path() else HttpResponseRedirect(target)


def _with_urls(views: Iterable[SavedView]) -> list[SavedView]:
    listed = list(views)
    for view in listed:
        view.url = view_url(view)
    return listed


def user_teams(user: AbstractBaseUser) -> list[Team]:
    return list(Team.objects.filter(members=user).order_by("name"))


@dataclass(frozen=True)
class ViewsBar:
    """What the page says about saved views: which ones, which is open, and what saving keeps."""

    page: str
    views: list[SavedView]
    current: SavedView | None
    changed: bool  # the page's filters differ from the open view's
    query: str  # what saving now would keep
    columns: str  # the chosen columns, "" for the defaults
    teams: list[Team]
    no_view: bool
    back_to: str
    name_max: int = NAME_MAX

    @property
    def page_label(self) -> str:
        return SavedViewPage(self.page).label


def views_bar(request: HttpRequest, page: str, *, columns: str = "") -> ViewsBar:
    asked = request.GET.get("view", "")
    views = _with_urls(views_visible_to(request.user, page))
    current = next((v for v in views if asked.isdigit() and v.pk == int(asked)), None)
    query = saved_query(request.GET)
    changed = bool(current) and (query != current.query or columns != ",".join(current.columns))
    return ViewsBar(
        page=page,
        views=views,
        current=current,
        changed=changed,
        query=query,
        columns=columns,
        teams=user_teams(request.user),
        no_view=asked == NO_VIEW or not current,
        back_to=request.get_full_path(),
    )


# --- the forms --------------------------------------------------------------------------------


class SaveViewForm(forms.Form):
    page = forms.ChoiceField(choices=SavedViewPage.choices, widget=forms.HiddenInput)
    query = forms.CharField(required=False, widget=forms.HiddenInput)
    columns = forms.CharField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label="Name", max_length=NAME_MAX, required=False)
    shared_with = forms.IntegerField(required=False)
    is_default = forms.BooleanField(required=False)


def _columns(raw: str) -> list[str]:
    return [key for key in (raw or "").split(",") if key]


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _may_use_page(user: AbstractBaseUser, page: str) -> bool:
    return page != SavedViewPage.QUEUE or can_act_on_faults(user)


def _refused(request: HttpRequest, error: FaultError) -> HttpResponse:
    """The manage page with the error said at the top; nothing was changed."""
    return manage_page(request, error=error, status=404 if error.status_code == 404 else 400)


@reader_required
@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    form = SaveViewForm(request.POST)
    if not form.is_valid():
        error = FaultError("The view was not saved: " + form.errors.as_text())
        return _refused(request, error)
    data = form.cleaned_data
    if not _may_use_page(request.user, data["page"]):
        return _refused(request, FaultError("Only agents have a queue to save views of."))
    try:
        view = saved_view_create(
            owner=request.user,
            page=data["page"],
            name=data["name"],
            query=data["query"],
            columns=_columns(data["columns"]),
            shared_with_id=data["shared_with"],
            is_default=data["is_default"],
        )
    except FaultError as error:
        return _refused(request, error)
    shared = f", shared with {view.shared_with}" if view.shared_with else ""
    default = "; the page opens on it" if view.is_default else ""
    messages.success(request, f"View “{view.name}” saved{shared}{default}.")
    return redirect(view_url(view))


@reader_required
@require_POST
def change_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Rename, overwrite, share, mark as default, or delete one of the user's views."""
    post = request.POST
    try:
        if action == "rename":
            view = saved_view_rename(view_id=pk, owner=request.user, name=post.get("name", ""))
            said = f"View renamed “{view.name}”."
        elif action == "overwrite":
            view = saved_view_overwrite(
                view_id=pk,
                owner=request.user,
                query=post.get("query", ""),
                columns=_columns(post.get("columns", "")),
            )
            messages.success(request, f"View “{view.name}” now keeps these filters and columns.")
            return redirect(view_url(view))
        elif action == "share":
            raw = post.get("shared_with", "")
            team_id = int(raw) if raw.isdigit() else None
            view = saved_view_share(view_id=pk, owner=request.user, team_id=team_id)
            said = (
                f"View “{view.name}” is shared with {view.shared_with}."
                if view.shared_with
                else f"View “{view.name}” is private."
            )
        elif action in ("default", "not-default"):
            view = saved_view_set_default(
                view_id=pk, owner=request.user, is_default=action == "default"
            )
            page = SavedViewPage(view.page).label.lower()
            said = (
                f"The {page} opens on “{view.name}”."
                if view.is_default
                else f"The {page} opens on no view."
            )
        elif action == "delete":
            name = saved_view_delete(view_id=pk, owner=request.user)
            said = f"View “{name}” deleted."
        else:
            return _refused(request, FaultError(f"A view cannot be “{action}”."))
    except FaultError as error:
        return _refused(request, error)
    messages.success(request, said)
    return redirect(_back(request, reverse("saved-views")))


@reader_required
def manage_page(
    request: HttpRequest, *, error: FaultError | None = None, status: int = 200
) -> HttpResponse:
    """The user's views of each page (rename, share, default, delete) and those shared with
    them (open only)."""
    pages = [page for page in SavedViewPage if _may_use_page(request.user, page)]
    sections = []
    for page in pages:
        views = _with_urls(views_visible_to(request.user, page))
        sections.append(
            {
                "page": page,
                "own": [v for v in views if v.owner_id == request.user.pk],
                "shared": [v for v in views if v.owner_id != request.user.pk],
            }
        )
    return render(
        request,
        "faults/worklists/saved_views.html",
        {
            "sections": sections,
            "teams": user_teams(request.user),
            "error": error,
            "name_max": NAME_MAX,
        },
        status=status,
    )
