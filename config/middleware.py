"""Project middleware.

* Login required everywhere by default (Django's LoginRequiredMiddleware), except for DRF views:
  the API answers an anonymous caller 401 with its own error shape, and the partner endpoints
  authenticate by client certificate, not by session. Static files never reach here (whitenoise).
* An outage of the database, broker or cache during a request is answered 503 with Retry-After in
  the caller's own shape: a partner's protocol error, the API's JSON error (`OutageMiddleware`).
"""

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from rest_framework.views import APIView

from config.outages import outage_of

logger = logging.getLogger(__name__)


def _is_drf_view(view_func: Callable[..., Any]) -> bool:
    view_class = getattr(view_func, "cls", None)
    return isinstance(view_class, type) and issubclass(view_class, APIView)


class LoginRequiredForPagesMiddleware(LoginRequiredMiddleware):
    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if _is_drf_view(view_func):
            return None  # DRF authenticates and answers 401/403 itself
        return super().process_view(request, view_func, view_args, view_kwargs)

    def handle_no_permission(self, request: HttpRequest, view_func: Callable[..., Any]):
        """A live panel whose session has expired would otherwise swap the login page into
        itself; htmx is told to send the whole window to the login page instead."""
        if not getattr(request, "htmx", False):
            return super().handle_no_permission(request, view_func)
        current = request.headers.get("HX-Current-URL", "")
        if not url_has_allowed_host_and_scheme(current, allowed_hosts={request.get_host()}):
            current = ""
        parts = urlsplit(current)
        back = parts.path + (f"?{parts.query}" if parts.query else "") if current else "/"
        response = HttpResponse(status=204)
        response["HX-Redirect"] = redirect_to_login(back, self.get_login_url(view_func))["Location"]
        return response


class OutageMiddleware:
    """Answers a request that met an outage (`config.outages`) with 503 and Retry-After, in the
    shape its caller reads: a partner endpoint's own error renderer (`integrations.edge`, which
    needs no database), or the API's JSON error for every DRF view. Other pages keep Django's
    500.

    What a retry is safe for differs. A partner's message is stored by the inbox in one
    transaction and acknowledged after it: if the outage came first nothing was stored, and a
    message stored but not acknowledged is recognised as a duplicate (partner, message id, body)
    when it comes again, so the partner's retry loses nothing and applies nothing twice. The
    API keeps no such record: a POST or PATCH may have committed some or all of its
    change (a draft created, a comment queued for the supplier) before a later statement met the
    outage, and sending it again may apply it again. Its 503 says only "try again later"; a
    client reads the resource first (GET, always safe to repeat) to see whether the change
    took effect."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        what = outage_of(exception)
        if what is None:
            return None
        from integrations.edge import PartnerEndpoint

        match = getattr(request, "resolver_match", None)
        view_func = match.func if match else None
        view_class = getattr(view_func, "view_class", None)
        retry_after = settings.OUTAGE_RETRY_AFTER_SECONDS
        message = f"Temporarily unavailable; retry after {retry_after} seconds."
        if isinstance(view_class, type) and issubclass(view_class, PartnerEndpoint):
            response = view_class.render_error(request, status=503, message=message)
        elif view_func is not None and _is_drf_view(view_func):
            from faults.api.errors import error_body

            response = JsonResponse(error_body("service_unavailable", message), status=503)
        else:
            return None
        cause = (str(exception).strip().splitlines() or [""])[0]
        logger.error(
            "%s %s: %s unavailable (%s: %s); answered 503, Retry-After %s s",
            request.method,
            request.path,
            what,
            type(exception).__name__,
            cause,
            retry_after,
        )
        response["Retry-After"] = str(retry_after)
        return response
