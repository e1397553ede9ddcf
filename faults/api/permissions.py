"""Who may do what through the fault API, by role (the auth groups of `faults.roles`).

Agents and admins read and act on faults; managers only read; an authenticated user in none of
the roles is refused (403). Superusers may do everything.
"""

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from faults.roles import can_act_on_faults, can_read_faults

__all__ = ["FaultRolePermission", "can_act_on_faults", "can_read_faults"]


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
