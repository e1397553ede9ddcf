"""The ticket exceptions (seed: /ticketExceptions/v1/ticketExceptions): the open ones a page at a
time (the solved too with `includeClosedExceptions`), filtered by the fault's reference
(`authorizationNumber`), the call to action's request type (`requestType`), the supplier
(`serviceProviderId`) and helpdesk ticket ids (`externalReferences`); one by id. Three queries a
page whatever its size: the count-free cursor page, the exceptions with their fault, rule and call
to action, and their external references."""

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from faults.api.serializers import InstantField
from faults.exceptions.api.base import ExceptionsApiView
from faults.exceptions.api.inputs import CommaListField
from faults.exceptions.api.pagination import PageQuerySerializer, page_serializer, paged
from faults.exceptions.api.schema import TAG, path_id, refusals
from faults.exceptions.models import ExternalReference, TicketException

LIST_NAME = "ticketExceptions"


class ExternalReferenceSerializer(serializers.Serializer):
    """A ticket in another system about the exception (a Zendesk ticket)."""

    domain = serializers.CharField()
    type = serializers.CharField()
    identifier = serializers.CharField()


class TicketExceptionSerializer(serializers.Serializer):
    """A ticket exception: the seed's fields (the work item is our fault, its authorization
    number our buyer fault reference; the service provider our supplier), then ours."""

    id = serializers.IntegerField()
    subject = serializers.CharField()
    comment = serializers.CharField()
    tbsWorkItemAuthorizationNumber = serializers.CharField(source="fault.buyer_fault_reference")
    tbsWorkItemRequestType = serializers.SerializerMethodField(
        help_text="The request type of the rule's call to action (null without one)."
    )
    ticketExceptionTypeId = serializers.IntegerField(source="rule.type_id")
    ticketExceptionTypeName = serializers.CharField(source="rule.type_name")
    ticketExceptionCreated = serializers.SerializerMethodField(
        help_text="Whether a helpdesk ticket was created for it (externalReferences not empty)."
    )
    isConsideredSolvedByTbs = serializers.SerializerMethodField(
        help_text="Solved by the sweep because its condition cleared."
    )
    serviceProviderId = serializers.IntegerField(source="fault.supplier_id")
    externalReferences = ExternalReferenceSerializer(source="external_references", many=True)
    isOpen = serializers.BooleanField(source="is_open")
    raisedAt = InstantField(source="raised_at")
    solvedAt = InstantField(source="solved_at", allow_null=True)
    solvedReason = serializers.CharField(source="solved_reason")

    def get_tbsWorkItemRequestType(self, exception: TicketException) -> int | None:
        call = getattr(exception.rule, "call_to_action", None)
        return call.request_type if call is not None else None

    def get_ticketExceptionCreated(self, exception: TicketException) -> bool:
        return bool(exception.external_references.all())

    def get_isConsideredSolvedByTbs(self, exception: TicketException) -> bool:
        return exception.solved_at is not None and exception.solved_automatically


class TicketExceptionsQuerySerializer(PageQuerySerializer):
    authorizationNumber = serializers.CharField(
        required=False, max_length=100, help_text="The fault's buyer fault reference."
    )
    requestType = serializers.IntegerField(
        required=False, min_value=0, max_value=32767, help_text="The call to action's type."
    )
    serviceProviderId = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="The supplier's id."
    )
    includeClosedExceptions = serializers.BooleanField(
        required=False, default=False, help_text="Also the solved exceptions."
    )
    externalReferences = CommaListField(
        required=False,
        child=serializers.CharField(max_length=100),
        max_length=100,
        help_text="Helpdesk ticket ids (repeated or comma-separated): exceptions linked to any.",
    )


TicketExceptionsPageSerializer = page_serializer(
    "TicketExceptionsPage", LIST_NAME, TicketExceptionSerializer
)


def ticket_exceptions(**filters: Any) -> QuerySet[TicketException]:
    """The exceptions with what their answer shows, filtered (the query's names)."""
    rows = TicketException.objects.select_related(
        "fault", "rule", "rule__call_to_action"
    ).prefetch_related("external_references")
    rows = rows.only(
        *(f.name for f in TicketException._meta.concrete_fields),
        "fault__buyer_fault_reference",
        "fault__supplier_id",
        "fault__status",  # the state machine reads it when a fault is loaded
        "rule__type_id",
        "rule__type_name",
        "rule__call_to_action__request_type",
    )
    if not filters.get("includeClosedExceptions"):
        rows = rows.filter(solved_at__isnull=True)
    if "authorizationNumber" in filters:
        rows = rows.filter(fault__buyer_fault_reference=filters["authorizationNumber"])
    if "requestType" in filters:
        rows = rows.filter(rule__call_to_action__request_type=filters["requestType"])
    if "serviceProviderId" in filters:
        rows = rows.filter(fault__supplier_id=filters["serviceProviderId"])
    if filters.get("externalReferences"):
        linked = ExternalReference.objects.filter(
            exception=OuterRef("pk"), identifier__in=filters["externalReferences"]
        )
        rows = rows.filter(Exists(linked))
    return rows


class TicketExceptionListView(ExceptionsApiView):
    """The open ticket exceptions (and the solved with `includeClosedExceptions`), newest
    first, a page at a time; the filters combine (all must hold)."""

    @extend_schema(
        parameters=[TicketExceptionsQuerySerializer],
        responses={200: TicketExceptionsPageSerializer, **refusals(400)},
        summary="List ticket exceptions",
        operation_id="getTicketExceptions",
        tags=[TAG],
    )
    def get(self, request: Request) -> Response:
        filters = self.query(TicketExceptionsQuerySerializer)
        return Response(
            paged(self, ticket_exceptions(**filters), TicketExceptionSerializer, LIST_NAME)
        )


class TicketExceptionDetailView(ExceptionsApiView):
    """One ticket exception, open or solved."""

    @extend_schema(
        parameters=[path_id("ticketExceptionId")],
        responses={200: TicketExceptionSerializer, **refusals(404)},
        summary="Get a ticket exception",
        operation_id="getTicketException",
        tags=[TAG],
    )
    def get(self, request: Request, ticketExceptionId: int) -> Response:
        exception = ticket_exceptions(includeClosedExceptions=True).filter(pk=ticketExceptionId)
        found = next(iter(exception), None)
        if found is None:
            raise NotFound(f"No ticket exception has the id {ticketExceptionId}.")
        return Response(TicketExceptionSerializer(found).data)
