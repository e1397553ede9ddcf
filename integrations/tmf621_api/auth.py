"""Who may call the TMF621 API: our API tokens (`Authorization: Token <key>`), HTTP Basic for
service accounts (users in a role group, as the buyer's OSS would be set up), and the signed-in
session (a CSRF token for writes, as on our REST API). Roles as on our REST API
(`faults.roles`): agents and admins read and write, managers read; a user in no role is refused.
Every refusal is a TMF error (`errors`): 401 without valid credentials, 403 for the role."""

from typing import Any

from rest_framework.authentication import (
    BasicAuthentication,
    SessionAuthentication,
    TokenAuthentication,
)
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from faults.roles import can_act_on_faults, can_read_faults

AUTHENTICATION = [TokenAuthentication, BasicAuthentication, SessionAuthentication]


class TicketRolePermission(BasePermission):
    """Reads for every role; writes (POST, PATCH, DELETE) for agents and admins only."""

    read_message = "You have no role (agent, manager or admin) that may read trouble tickets."
    write_message = (
        "Your role may not change trouble tickets: agents and admins act, managers read."
    )
    message = write_message

    def has_permission(self, request: Request, view: APIView) -> bool:
        user: Any = request.user
        if request.method in SAFE_METHODS:
            self.message = self.read_message
            return can_read_faults(user)
        self.message = self.write_message
        return can_act_on_faults(user)
