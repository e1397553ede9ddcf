"""Login required everywhere by default (Django's LoginRequiredMiddleware), except for DRF views:
the API answers an anonymous caller 401 with its own error shape, and the partner endpoints
authenticate by client certificate, not by session. Static files never reach here (whitenoise)."""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.http import url_has_allowed_host_and_scheme
from rest_framework.views import APIView


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
