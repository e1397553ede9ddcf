"""The fault list: filters, text search, sortable columns and pagination that stays fast at a
million faults. Every role may read it; htmx swaps only the results, plain GET works too."""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict

from faults.choices import SavedViewPage
from faults.ui.access import reader_required
from faults.ui.worklists.columns import COLUMNS, ColumnChoice, parse_columns, shown_columns
from faults.ui.worklists.filters import FaultFilterForm
from faults.ui.worklists.paging import Page, paginate, parse_page_number
from faults.ui.worklists.rendering import render_page_or_fragment
from faults.ui.worklists.saved_views import open_saved_view, views_bar
from faults.ui.worklists.sorting import Sort, parse_sort
from faults.worklists import fault_list_count_cap, faults_matching


def page_size() -> int:
    return getattr(settings, "FAULT_LIST_PAGE_SIZE", 50)


@dataclass(frozen=True)
class FaultListRequest:
    """The list's query string, read: the filter form, the sort, the columns, and what was wrong
    with them."""

    form: FaultFilterForm
    sort: Sort
    sort_is_valid: bool
    columns: ColumnChoice

    @property
    def is_valid(self) -> bool:
        return self.form.is_valid() and self.sort_is_valid and self.columns.is_valid

    @property
    def filters_are_valid(self) -> bool:
        """The filters can be applied (an unknown sort only falls back to the default)."""
        return self.form.is_valid()


def read_fault_list_query(query: QueryDict) -> FaultListRequest:
    """Read a query string of the list (a request's, or a saved view's)."""
    form = FaultFilterForm(query)
    sort, sort_is_valid = parse_sort(query.get("sort"))
    columns = parse_columns(query.getlist("columns"))
    return FaultListRequest(form=form, sort=sort, sort_is_valid=sort_is_valid, columns=columns)


def read_fault_list_request(request: HttpRequest) -> FaultListRequest:
    return read_fault_list_query(request.GET)


@reader_required
def fault_list(request: HttpRequest) -> HttpResponse:
    if opened := open_saved_view(request, SavedViewPage.LIST):
        return opened
    asked = read_fault_list_request(request)
    page: Page | None = None
    if asked.filters_are_valid:
        faults = faults_matching(
            asked.form.criteria(user=request.user, ordering=asked.sort.ordering())
        )
        page = paginate(
            faults,
            number=parse_page_number(request.GET.get("page")),
            size=page_size(),
            cap=fault_list_count_cap(),
        )
    return render_page_or_fragment(
        request,
        page="faults/worklists/fault_list.html",
        fragment="faults/worklists/_fault_results.html",
        context={
            "form": asked.form,
            "sort": asked.sort,
            "sort_is_valid": asked.sort_is_valid,
            "columns": shown_columns(asked.columns, asked.sort),
            "column_choice": asked.columns,
            "all_columns": COLUMNS,
            "views_bar": views_bar(request, SavedViewPage.LIST, columns=asked.columns.param),
            "page": page,
        },
        # A query string we cannot read is the caller's error; the page says what is wrong.
        status=200 if asked.is_valid else 400,
    )
