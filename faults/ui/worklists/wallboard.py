"""The wallboard: the NOC's figures for a screen across the room, always dark, refreshed by
htmx every 30 s."""

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from faults.ui.access import reader_required
from faults.ui.worklists.rendering import render_page_or_fragment
from faults.wallboard import wallboard_figures

REFRESH_SECONDS = 30


@reader_required
def wallboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    return render_page_or_fragment(
        request,
        page="faults/worklists/wallboard.html",
        fragment="faults/worklists/_wallboard_panel.html",
        context={
            "figures": wallboard_figures(now=now),
            "refreshed_at": now,
            "refresh_seconds": REFRESH_SECONDS,
        },
    )
