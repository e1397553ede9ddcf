"""The calls to action (seed: /ticketExceptions/v1/callToActions): what an agent is asked to do
about an exception of one type, a text per shift (dayside, after hours, and the named team's:
the seed's field `templateForWestpark` whatever EXCEPTION_TEAM_NAME says) and a priority. All
listed at once; one by id; created (201) for a rule that has none; changed by PATCH (204).

An exception type is a rule whose evaluator is in code, so `exceptionTypeIdentifier` must name
an existing rule without a call to action: a type no rule has is refused (ValidationFailed), not
created, since a rule row without an evaluator would never raise anything. Only users allowed to
add or change calls to action in the admin (admins) may create or change them."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from faults.exceptions.api.base import ExceptionsApiView, WritePermission
from faults.exceptions.api.inputs import StrictSerializer, api_field_names
from faults.exceptions.api.schema import TAG, path_id, refusals
from faults.exceptions.configuration import (
    MAX_PRIORITY,
    call_to_action_create,
    call_to_action_update,
)
from faults.exceptions.models import CallToAction

# The API's names for the model's (and the services' keyword arguments).
FIELDS = {
    "templateForDayside": "template_dayside",
    "templateForAfterHours": "template_after_hours",
    "templateForWestpark": "template_team",
    "tbsWorkItemRequestType": "request_type",
    "priority": "priority",
}
FIELD_NAMES = {model: api for api, model in FIELDS.items()} | {
    "type_name": "exceptionTypeIdentifier"
}


def _text(required: bool) -> serializers.CharField:
    return serializers.CharField(required=required, max_length=4000)


class CallToActionSerializer(serializers.Serializer):
    """A call to action; `templateForWestpark` is the named team's text (EXCEPTION_TEAM_NAME)."""

    id = serializers.IntegerField()
    exceptionTypeIdentifier = serializers.CharField(source="rule.type_name")
    templateForDayside = serializers.CharField(source="template_dayside")
    templateForAfterHours = serializers.CharField(source="template_after_hours")
    templateForWestpark = serializers.CharField(source="template_team")
    tbsWorkItemRequestType = serializers.IntegerField(source="request_type")
    priority = serializers.IntegerField(help_text="1 is the most urgent.")


class CallToActionCreateSerializer(StrictSerializer):
    """A call to action for an existing rule that has none."""

    exceptionTypeIdentifier = serializers.CharField(max_length=40)
    templateForDayside = _text(True)
    templateForAfterHours = _text(True)
    templateForWestpark = _text(True)
    tbsWorkItemRequestType = serializers.IntegerField(
        required=False, default=1, min_value=0, max_value=32767
    )
    priority = serializers.IntegerField(
        required=False, default=5, min_value=1, max_value=MAX_PRIORITY
    )


class CallToActionUpdateSerializer(StrictSerializer):
    """The fields to change; the others are left as they are."""

    templateForDayside = _text(False)
    templateForAfterHours = _text(False)
    templateForWestpark = _text(False)
    tbsWorkItemRequestType = serializers.IntegerField(required=False, min_value=0, max_value=32767)
    priority = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PRIORITY)


class CallToActionsSerializer(serializers.Serializer):
    """Every call to action, the most urgent first."""

    callToActions = CallToActionSerializer(many=True)


def _model_fields(data: dict) -> dict:
    return {FIELDS[api]: value for api, value in data.items() if api in FIELDS}


class CallToActionListView(ExceptionsApiView):
    """Every call to action, the most urgent first; POST creates one for an existing rule
    that has none (a type no rule has is refused: types come with their rule in code)."""

    permission_classes = [*ExceptionsApiView.permission_classes, WritePermission]
    write_permission = "faults.add_calltoaction"

    @extend_schema(
        responses={200: CallToActionsSerializer, **refusals()},
        summary="List calls to action",
        operation_id="getCallToActions",
        tags=[TAG],
    )
    def get(self, request: Request) -> Response:
        calls = CallToAction.objects.select_related("rule")
        return Response({"callToActions": CallToActionSerializer(calls, many=True).data})

    @extend_schema(
        request=CallToActionCreateSerializer,
        responses={201: CallToActionSerializer, **refusals(400, 415)},
        summary="Create a call to action",
        operation_id="createCallToAction",
        tags=[TAG],
    )
    def post(self, request: Request) -> Response:
        body = CallToActionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with api_field_names(FIELD_NAMES):
            call = call_to_action_create(
                type_name=body.validated_data["exceptionTypeIdentifier"],
                actor=self.actor(),
                **_model_fields(body.validated_data),
            )
        answer = Response(CallToActionSerializer(call).data, status=201)
        answer["Location"] = f"{request.path.rstrip('/')}/{call.pk}"
        return answer


class CallToActionDetailView(ExceptionsApiView):
    """One call to action; PATCH changes the fields given (admins only) and answers 204."""

    permission_classes = [*ExceptionsApiView.permission_classes, WritePermission]
    write_permission = "faults.change_calltoaction"

    @extend_schema(
        parameters=[path_id("callToActionId")],
        responses={200: CallToActionSerializer, **refusals(404)},
        summary="Get a call to action",
        operation_id="getCallToAction",
        tags=[TAG],
    )
    def get(self, request: Request, callToActionId: int) -> Response:
        call = CallToAction.objects.select_related("rule").filter(pk=callToActionId).first()
        if call is None:
            raise NotFound(f"No call to action has the id {callToActionId}.")
        return Response(CallToActionSerializer(call).data)

    @extend_schema(
        request=CallToActionUpdateSerializer,
        parameters=[path_id("callToActionId")],
        responses={204: None, **refusals(400, 404, 415)},
        summary="Change a call to action",
        operation_id="updateCallToAction",
        tags=[TAG],
    )
    def patch(self, request: Request, callToActionId: int) -> Response:
        body = CallToActionUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with api_field_names(FIELD_NAMES):
            call_to_action_update(
                call_to_action_id=callToActionId,
                actor=self.actor(),
                **_model_fields(body.validated_data),
            )
        return Response(status=204)
