"""Request metrics: every request counted by view, method and status, and timed by view."""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from ops.metrics import HTTP_REQUEST_SECONDS, HTTP_REQUESTS

# Anything else is "other": a caller cannot add label values by inventing methods.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        # The URL's name (or the view's path), never the path itself: a label per fault would
        # grow without end. A request no URL matched is "unresolved".
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match._func_path) if match else "unresolved"
        method = request.method if request.method in _METHODS else "other"
        HTTP_REQUESTS.labels(view, method, str(response.status_code)).inc()
        HTTP_REQUEST_SECONDS.labels(view).observe(time.perf_counter() - started)
        return response
