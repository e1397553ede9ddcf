"""Who may open which page, by role (the auth groups of `faults.roles`).

The login itself is required everywhere by `config.middleware`; these decorators add the role.
A user without the role gets a 403 page, never a redirect loop to the login.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from faults.roles import can_act_on_faults, can_read_faults, can_see_dashboards

View = Callable[..., HttpResponseBase]


def _requires(check: Callable[[AbstractBaseUser | AnonymousUser], bool], message: str):
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not check(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


reader_required = _requires(
    can_read_faults, "You have no role (agent, manager or admin) that may see faults."
)
agent_required = _requires(
    can_act_on_faults, "Only agents and admins act on faults; your role may only read them."
)
manager_required = _requires(can_see_dashboards, "The SLA dashboards are for managers and admins.")
