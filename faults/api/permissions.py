"""Who may do what through the fault API, by role (the auth groups of `faults.roles`).

Agents and admins read and act on faults; managers only read; an authenticated user in none of
the roles is refused (403). Superusers may do everything.
"""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from faults.roles import ADMIN, AGENT, MANAGER

READER_ROLES = frozenset({AGENT, MANAGER, ADMIN})
ACTOR_ROLES = frozenset({AGENT, ADMIN})

_ROLES_CACHE = "_fault_api_roles"


def user_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The role groups the user is in (read once per request and kept on the user object)."""
    if not user.is_authenticated:
        return frozenset()
    roles = getattr(user, _ROLES_CACHE, None)
    if roles is None:
        names = user.groups.filter(name__in=READER_ROLES).values_list("name", flat=True)
        roles = frozenset(names)
        setattr(user, _ROLES_CACHE, roles)
    return roles


def can_read_faults(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser or user_roles(user) & READER_ROLES)


def can_act_on_faults(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser or user_roles(user) & ACTOR_ROLES)


class FaultRolePermission(BasePermission):
    """Reads for every role; writes (create, amend, actions) for agents and admins only."""

    read_message = "You have no role (agent, manager or admin) that may read faults."
    write_message = "Your role may not change faults: agents and admins act, managers read."
    message = write_message

    def has_permission(self, request: Request, view: APIView) -> bool:
        user: Any = request.user
        if request.method in SAFE_METHODS:
            self.message = self.read_message
            return can_read_faults(user)
        self.message = self.write_message
        return can_act_on_faults(user)
