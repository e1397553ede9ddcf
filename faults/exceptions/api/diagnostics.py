"""The diagnostics routes (seed: /ticketExceptions/v1/diagnostics), for test and demonstration
environments only: a fault's pending timers (the seed's pending Quartz triggers; ours are due
times in rows that beat sweeps, `faults.exceptions.timers`), firing one now, and an error raised
on purpose to check that errors are answered in the envelope and logged.

Where diagnostics are off (EXCEPTIONS_DIAGNOSTICS_ENABLED, DEBUG by default) each route answers
exactly as a path with no route does: 401 without a token, then 404 NotFound."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from faults.exceptions.api.base import ExceptionsApiView
from faults.exceptions.api.schema import TAG, refusals
from faults.exceptions.timers import diagnostics_enabled, fire_now, pending_timers

TRIGGER_NAME_MAX = 200


class UnhandledErrorTest(RuntimeError):
    """Raised on purpose by unhandledErrorTest."""


class DiagnosticsView(ExceptionsApiView):
    """A diagnostics route: where diagnostics are off, no such route (after the token check, as
    `NoRouteView` answers)."""

    def check_permissions(self, request: Request) -> None:
        if not diagnostics_enabled():
            if not IsAuthenticated().has_permission(request, self):
                self.permission_denied(request)
            raise NotFound(f"No ticket exceptions route at {request.path}.")
        super().check_permissions(request)


class TriggerSerializer(serializers.Serializer):
    triggerName = serializers.CharField(
        source="trigger_name", help_text="<messageType>:<authorizationNumber>[:<id>]"
    )
    nextFireTime = serializers.DateTimeField(
        source="due_at", help_text="When the sweep acts on it (past: at its next run)."
    )
    messageType = serializers.CharField(source="message_type")


class TriggersSerializer(serializers.Serializer):
    triggers = TriggerSerializer(many=True)


class PendingTriggersQuery(serializers.Serializer):
    messageTypeContains = serializers.CharField(
        required=False, allow_blank=True, max_length=100, trim_whitespace=True
    )


class PendingTriggersView(DiagnosticsView):
    """What the product will do for the fault and when, soonest first."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "authorizationNumber",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="The fault's reference (our buyer fault reference).",
            ),
            PendingTriggersQuery,
        ],
        responses={200: TriggersSerializer, **refusals(400, 404)},
        summary="A fault's pending timers (non-production only)",
        operation_id="getPendingTriggers",
        tags=[TAG],
    )
    def get(self, request: Request, authorizationNumber: str) -> Response:
        query = self.query(PendingTriggersQuery)
        timers = pending_timers(
            authorizationNumber, message_type_contains=query.get("messageTypeContains", "")
        )
        return Response(TriggersSerializer({"triggers": timers}).data)


class FireNowQuery(serializers.Serializer):
    triggerName = serializers.CharField(max_length=TRIGGER_NAME_MAX)


class FiredSerializer(serializers.Serializer):
    triggerName = serializers.CharField(source="trigger_name")
    messageType = serializers.CharField(source="message_type")
    nextFireTime = serializers.DateTimeField(source="due_at", help_text="When it was due.")
    outcome = serializers.CharField(help_text="What firing it did.")


class FireNowView(DiagnosticsView):
    """Do now what the timer would do at its due time (as its sweep does it), written on the
    fault's timeline with the caller's name."""

    @extend_schema(
        parameters=[FireNowQuery],
        request=None,
        responses={200: FiredSerializer, **refusals(400, 404)},
        summary="Fire a pending timer now (non-production only)",
        operation_id="fireTriggerNow",
        tags=[TAG],
    )
    def post(self, request: Request) -> Response:
        name = self.query(FireNowQuery)["triggerName"]
        return Response(FiredSerializer(fire_now(name, actor=self.actor())).data)


class UnhandledErrorTestView(DiagnosticsView):
    """Raises an unexpected error on purpose: answered 500 InternalServerError in the envelope,
    and logged with its traceback, as any bug is."""

    @extend_schema(
        request=None,
        responses=refusals(404),
        summary="Raise an unexpected error (non-production only)",
        operation_id="unhandledErrorTest",
        tags=[TAG],
    )
    def get(self, request: Request) -> Response:
        raise UnhandledErrorTest("unhandledErrorTest: an error raised on purpose.")
