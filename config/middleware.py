"""Login required everywhere by default (Django's LoginRequiredMiddleware), except for DRF views:
the API answers an anonymous caller 401 with its own error shape, and the partner endpoints
authenticate by client certificate, not by session. Static files never reach here (whitenoise)."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponseBase
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
