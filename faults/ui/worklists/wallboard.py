"""The wallboard: the NOC's figures for a screen across the room, always dark, refreshed by
htmx every 30 s. It fills one screen without scrolling (1920 x 1080 or 1440 x 900: its type scales
with the screen's height), so its list of SLA alerts shows ALERT_ROWS rows and a count of the
rest."""

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from faults.ui.access import reader_required
from faults.ui.worklists.rendering import render_page_or_fragment
from faults.wallboard import wallboard_figures

REFRESH_SECONDS = 30
# As many rows as fit under the figures at the wallboard's type size (static/css/app.css).
ALERT_ROWS = 8


@reader_required
def wallboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    return render_page_or_fragment(
        request,
        page="faults/worklists/wallboard.html",
        fragment="faults/worklists/_wallboard_panel.html",
        context={
            "figures": wallboard_figures(now=now, alert_limit=ALERT_ROWS),
            "refreshed_at": now,
            "refresh_seconds": REFRESH_SECONDS,
        },
    )
