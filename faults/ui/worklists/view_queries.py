"""What a saved view keeps of a page's query string, and whether the page can read it.

A saved view is only as good as the page's own reading of it: the query is re-read here by the
same code the page runs on a request (the list's filter form, sort and column parsers), so a
view can never hold a filter the page would refuse. The queue reads one filter, its switch
(`assigned`: mine, my team's, unassigned): a queue view holds only what `QUEUE_PARAMS` names.
"""

from urllib.parse import urlencode

from django.http import QueryDict

from faults.choices import SavedViewPage
from faults.ui.worklists.columns import BY_KEY
from faults.ui.worklists.sorting import DEFAULT_SORT
from faults.worklists import Assigned

# Not part of what a view is: which view is open, which page of results, the columns (kept
# apart, in SavedView.columns), and htmx's own markers.
NOT_SAVED = frozenset({"view", "page", "columns"})
QUEUE_PARAMS: frozenset[str] = frozenset({"assigned"})


def saved_query(query: QueryDict) -> str:
    """The part of a page's query string a view keeps: filters and sort, empty values and the
    default sort dropped (the list's form sends both), in a stable order."""
    pairs = [
        (key, value)
        for key in sorted(query)
        if key not in NOT_SAVED
        for value in query.getlist(key)
        if value.strip() and (key, value) != ("sort", DEFAULT_SORT)
    ]
    return urlencode(pairs)


def _list_problems(query: QueryDict) -> list[str]:
    from faults.ui.worklists.fault_list import read_fault_list_query

    asked = read_fault_list_query(query)
    problems = [
        f"{asked.form.fields[name].label if name in asked.form.fields else name}: {' '.join(errs)}"
        for name, errs in asked.form.errors.items()
    ]
    if not asked.sort_is_valid:
        problems.append(f"Sort: “{query.get('sort')}” is not a column the list can be sorted by.")
    return problems


def _queue_problems(query: QueryDict) -> list[str]:
    unknown = sorted(set(query) - QUEUE_PARAMS - NOT_SAVED)
    if unknown:
        return [f"The queue has no filter called {', '.join(unknown)}."]
    assigned = query.get("assigned", "")
    if assigned and assigned not in dict(Assigned.CHOICES):
        return [f"The queue has no switch “{assigned}” (mine, team or unassigned)."]
    return []


def query_problems(page: str, query: str) -> list[str]:
    """Why the page could not read this saved query string; empty when it can."""
    parsed = QueryDict(query)
    if page == SavedViewPage.LIST:
        return _list_problems(parsed)
    return _queue_problems(parsed)


def column_problems(page: str, columns: list[str]) -> list[str]:
    """Why these columns cannot be shown on the page; empty when they can."""
    if not columns:
        return []
    if page != SavedViewPage.LIST:
        return ["Only the fault list's columns can be chosen."]
    unknown = [key for key in columns if key not in BY_KEY]
    if unknown:
        return [f"{', '.join(unknown)}: not a column of the fault list."]
    return []
