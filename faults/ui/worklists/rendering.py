"""Pages whose live part reloads itself with htmx: an htmx request gets only that part, the
same template fragment the full page includes."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx request for the live part; a history restore or a boosted link wants the page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and not htmx.boosted


def render_page_or_fragment(
    request: HttpRequest,
    *,
    page: str,
    fragment: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    template = fragment if wants_fragment(request) else page
    response = render(request, template, context, status=status)
    # Caches must not hand the fragment to a full-page request, or the reverse.
    patch_vary_headers(response, ("HX-Request",))
    return response
