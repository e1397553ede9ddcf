"""The exception rules (seed: /ticketExceptions/v1/rules): listed a page at a time, active only
unless `includeInactive`; one by id; changed by PATCH (`isActive`, `description`, and our
`thresholdHours`), answered 204. Only users allowed to change rules in the admin (admins) may
change them; a rule switched off stops raising at the next sweep, which also solves its open
exceptions."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from faults.exceptions.api.base import ExceptionsApiView, WritePermission
from faults.exceptions.api.inputs import StrictSerializer, api_field_names
from faults.exceptions.api.pagination import PageQuerySerializer, page_serializer, paged
from faults.exceptions.api.schema import TAG, path_id, refusals
from faults.exceptions.configuration import rule_update
from faults.exceptions.models import TicketExceptionRule

LIST_NAME = "ticketExceptionRules"
# The API's names for the model's (and the service's keyword arguments).
FIELDS = {
    "isActive": "is_active",
    "description": "description",
    "thresholdHours": "threshold_hours",
}
FIELD_NAMES = {model: api for api, model in FIELDS.items()}


class TicketExceptionRuleSerializer(serializers.Serializer):
    """A rule: the seed's fields, and `thresholdHours` (ours: how long its condition must hold;
    null for a rule without one)."""

    id = serializers.IntegerField()
    isActive = serializers.BooleanField(source="is_active")
    exceptionTypeId = serializers.IntegerField(source="type_id")
    exceptionTypeName = serializers.CharField(source="type_name")
    description = serializers.CharField()
    thresholdHours = serializers.FloatField(source="threshold_hours", allow_null=True)


class TicketExceptionRuleUpdateSerializer(StrictSerializer):
    """The fields to change; the others are left as they are."""

    isActive = serializers.BooleanField(required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    thresholdHours = serializers.FloatField(required=False, allow_null=True)


class RulesQuerySerializer(PageQuerySerializer):
    includeInactive = serializers.BooleanField(
        required=False, default=False, help_text="Also the rules switched off."
    )


RulesPageSerializer = page_serializer(
    "TicketExceptionRulesPage", LIST_NAME, TicketExceptionRuleSerializer
)


def rules_page(view: ExceptionsApiView, *, include_inactive: bool) -> dict[str, Any]:
    rules = TicketExceptionRule.objects.all()
    if not include_inactive:
        rules = rules.filter(is_active=True)
    return paged(view, rules, TicketExceptionRuleSerializer, LIST_NAME)


class RuleListView(ExceptionsApiView):
    """The exception rules, a page at a time: the active ones unless `includeInactive`."""

    @extend_schema(
        parameters=[RulesQuerySerializer],
        responses={200: RulesPageSerializer, **refusals(400)},
        summary="List exception rules",
        operation_id="getTicketExceptionRules",
        tags=[TAG],
    )
    def get(self, request: Request) -> Response:
        query = self.query(RulesQuerySerializer)
        return Response(rules_page(self, include_inactive=query["includeInactive"]))


class RuleDetailView(ExceptionsApiView):
    """One exception rule; PATCH changes the fields given (admins only) and answers 204."""

    permission_classes = [*ExceptionsApiView.permission_classes, WritePermission]
    write_permission = "faults.change_ticketexceptionrule"

    @extend_schema(
        parameters=[path_id("ruleId")],
        responses={200: TicketExceptionRuleSerializer, **refusals(404)},
        summary="Get an exception rule",
        operation_id="getTicketExceptionRule",
        tags=[TAG],
    )
    def get(self, request: Request, ruleId: int) -> Response:
        rule = TicketExceptionRule.objects.filter(pk=ruleId).first()
        if rule is None:
            raise NotFound(f"No exception rule has the id {ruleId}.")
        return Response(TicketExceptionRuleSerializer(rule).data)

    @extend_schema(
        request=TicketExceptionRuleUpdateSerializer,
        parameters=[path_id("ruleId")],
        responses={204: None, **refusals(400, 404, 415)},
        summary="Change an exception rule",
        operation_id="updateTicketExceptionRule",
        tags=[TAG],
    )
    def patch(self, request: Request, ruleId: int) -> Response:
        body = TicketExceptionRuleUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = {FIELDS[api]: value for api, value in body.validated_data.items()}
        with api_field_names(FIELD_NAMES):
            rule_update(rule_id=ruleId, actor=self.actor(), **changes)
        return Response(status=204)
