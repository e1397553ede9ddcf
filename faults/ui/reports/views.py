"""The SLA dashboard and its CSV export (managers and admins). The figures come from
`faults.reports`; these views only read the filters and render."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from faults.reports.dashboard import sla_dashboard as dashboard_figures
from faults.reports.export import dashboard_csv_lines
from faults.reports.filters import (
    PRESET_DAYS,
    DashboardFilterForm,
    DashboardFilters,
    filters_from,
    preset_of,
)
from faults.reports.trends import trend_series
from faults.ui.access import manager_required


def _filters(request: HttpRequest) -> tuple[DashboardFilters, list[str]]:
    """The filters the query string asks for, with their defaults where a value cannot be used,
    and what was wrong with the query string (never a 500)."""
    form = DashboardFilterForm(request.GET)
    problems = [
        f"{form.fields[field].label + ': ' if field in form.fields else ''}{error}"
        for field, errors in form.errors.items()
        for error in errors
    ]
    return filters_from(form), problems


def _preset_links(request: HttpRequest) -> list[tuple[int, str]]:
    """The preset periods as links that keep the supplier and priority chosen."""
    links = []
    for days in PRESET_DAYS:
        query = request.GET.copy()
        for key in ("date_from", "date_to"):
            query.pop(key, None)
        query["days"] = str(days)
        links.append((days, query.urlencode()))
    return links


def _form_for(filters: DashboardFilters) -> DashboardFilterForm:
    """An unbound form showing the filters actually in use: the preset box names the period
    when it is one of the presets (the default 28 days included), else "Custom dates"."""
    return DashboardFilterForm(
        initial={
            "days": preset_of(filters),
            "date_from": filters.date_from,
            "date_to": filters.date_to,
            "supplier": filters.supplier,
            "priority": filters.priority,
        }
    )


@manager_required
@require_GET
def sla_dashboard(request: HttpRequest) -> HttpResponse:
    filters, problems = _filters(request)
    for problem in problems:
        messages.error(request, f"{problem} The default is used instead.")
    dashboard = dashboard_figures(filters)
    context = {
        "dashboard": dashboard,
        "form": _form_for(filters),
        "presets": _preset_links(request),
        "query": request.GET.urlencode(),
        "chart_data": trend_series(dashboard.trends),
    }
    return render(request, "faults/reports/dashboard.html", context)


@manager_required
@require_GET
def sla_dashboard_export(request: HttpRequest) -> HttpResponse:
    filters, problems = _filters(request)
    if problems:
        # A download cannot show a message; exporting other figures than asked for would mislead.
        return HttpResponse(
            "\n".join(problems), status=400, content_type="text/plain; charset=utf-8"
        )
    dashboard = dashboard_figures(filters)
    response = StreamingHttpResponse(
        dashboard_csv_lines(dashboard), content_type="text/csv; charset=utf-8"
    )
    name = f"sla-dashboard-{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
