"""Lockout after repeated failed logins (django-axes; settings "security at the door").

The staff login page and the admin's answer a locked-out login with a page saying when to try
again and how an administrator unlocks it (AxesMiddleware calls `lockout_response`). The API token
endpoints authenticate inside DRF, whose request axes cannot flag for the middleware: they call
`raise_if_locked_out` after a refused login, which answers 429 in the API's own error shape with
the same sentence and a Retry-After header.
"""

from datetime import datetime, timedelta
from typing import Any

from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import time_format
from rest_framework import exceptions, status


def client_ip(request: HttpRequest) -> str:
    """The caller's address: behind the proxy (BEHIND_PROXY), the X-Forwarded-For it sets;
    otherwise REMOTE_ADDR (a caller's own X-Forwarded-For is then ignored)."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


def lockout_ends_at(request: Any, credentials: dict | None) -> datetime:
    """When the lockout of this username or address ends: the cool-off after its last recorded
    failure (failures while locked out are not recorded, so trying again does not extend it)."""
    username = get_client_username(request, credentials)
    address = getattr(request, "axes_ip_address", None) or client_ip(request)
    matching = Q(ip_address=address)
    if username:
        matching |= Q(username=username)
    last = AccessAttempt.objects.filter(matching).aggregate(last=Max("attempt_time"))["last"]
    return (last or timezone.now()) + settings.AXES_COOLOFF_TIME


def lockout_message(ends_at: datetime) -> str:
    minutes = max(1, round((ends_at - timezone.now()).total_seconds() / 60))
    at = time_format(timezone.localtime(ends_at), "H:i")
    return (
        f"Too many failed logins for this username or from this address. You can try again at "
        f"{at} (in {minutes} minute{'s' if minutes != 1 else ''}), or ask an administrator to "
        f"unlock your account (manage.py axes_reset_username <your username>)."
    )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page's answer while locked out (429)."""
    ends_at = lockout_ends_at(request, credentials)
    message = lockout_message(ends_at)
    retry_after = str(max(1, int((ends_at - timezone.now()).total_seconds())))
    if not request.path.startswith(("/accounts/", "/admin/")):
        response: HttpResponse = JsonResponse({"error": {"code": "locked_out", "message": message}})
    else:
        context = {
            "message": message,
            "ends_at": ends_at,
            "cooloff_minutes": int(settings.AXES_COOLOFF_TIME / timedelta(minutes=1)),
            "username": get_client_username(request, credentials) or "",
        }
        response = render(request, "registration/locked_out.html", context)
    response.status_code = status.HTTP_429_TOO_MANY_REQUESTS
    response["Retry-After"] = retry_after
    return response


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"
    default_detail = "Too many failed logins."

    def __init__(self, message: str, wait: int) -> None:
        super().__init__(message)
        self.wait = wait  # DRF's exception handler sends it as Retry-After


def raise_if_locked_out(request: Any, credentials: dict | None = None) -> None:
    """After a refused login on an API token endpoint: a lockout is a 429 saying how to get back
    in, not the 400/401 of a wrong password."""
    if not getattr(request, "axes_locked_out", False):
        return
    ends_at = lockout_ends_at(request, credentials or getattr(request, "axes_credentials", None))
    wait = max(1, int((ends_at - timezone.now()).total_seconds()))
    raise LockedOut(lockout_message(ends_at), wait)
