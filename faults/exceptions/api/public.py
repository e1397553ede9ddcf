"""The helpdesk's status webhook (seed: PATCH /ticketExceptions/public/v1/ticketExceptions/
commands/updateStatus): `{externalSystemIdentifier, externalReferenceId, status, comment}` solves
or reopens the exceptions linked to that helpdesk ticket (`faults.exceptions.helpdesk`), 204.

A bearer token is required (any persona unless EXCEPTIONS_PUBLIC_API_PERSONA is set). A request
from Zendesk must also carry Zendesk's webhook signature (`faults.exceptions.zendesk`), checked
over the raw body before it is parsed when the signature headers are there; one that says it is
from Zendesk without them is refused after the parse (401, or 403 when no signing secret is
configured outside DEBUG). Nothing is changed by a refused request."""

import json
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import (
    AuthenticationFailed,
    PermissionDenied,
    UnsupportedMediaType,
    ValidationError,
)
from rest_framework.request import Request
from rest_framework.response import Response

from faults.exceptions.api.base import PublicExceptionsApiView
from faults.exceptions.api.inputs import api_field_names
from faults.exceptions.api.schema import TAG, refusals
from faults.exceptions.helpdesk import helpdesk_actor, helpdesk_status_update
from faults.exceptions.zendesk import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureRefused,
    SigningNotConfigured,
    zendesk_request_verify,
)
from faults.exceptions.zendesk import SYSTEM as ZENDESK

FIELD_NAMES = {
    "system": "externalSystemIdentifier",
    "reference_id": "externalReferenceId",
    "status": "status",
    "comment": "comment",
}


class ReferenceIdField(serializers.CharField):
    """A ticket id as a string; a JSON number (`{{ticket.id}}` unquoted) is taken as well."""

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, int) and not isinstance(data, bool):
            data = str(data)
        return super().to_internal_value(data)


class StatusUpdateSerializer(serializers.Serializer):
    """The seed's TicketExceptionStatusUpdateRequest. Other keys are ignored: a helpdesk's
    webhook body may carry more than we read."""

    externalSystemIdentifier = serializers.CharField(
        max_length=40, help_text='The helpdesk, e.g. "zendesk" (the links\' domain).'
    )
    externalReferenceId = ReferenceIdField(max_length=100, help_text="Its ticket's id.")
    status = serializers.CharField(
        max_length=40,
        help_text="The ticket's status category: new, open, pending, hold (reopen what the "
        "helpdesk solved), solved or closed (solve), in any letter case.",
    )
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        trim_whitespace=True,
        help_text="Why (the ticket's latest public comment): the reason of a solve.",
    )


def _parsed(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationError({"body": [f"The body is not valid JSON: {error}."]}) from None


def _verify_zendesk(request: Request, raw: bytes) -> None:
    try:
        zendesk_request_verify(headers=request.headers, body=raw)
    except SignatureRefused as refused:
        raise AuthenticationFailed(f"Zendesk signature refused: {refused.message}") from None
    except SigningNotConfigured as refused:
        raise PermissionDenied(refused.message) from None


class UpdateStatusView(PublicExceptionsApiView):
    @extend_schema(
        request=StatusUpdateSerializer,
        responses={204: None, **refusals(400, 404, 415)},
        summary="Update ticket exceptions from the helpdesk's ticket status",
        description="Zendesk's trigger webhook: solves the exceptions linked to the ticket when "
        "its status is solved or closed, reopens those the helpdesk solved when it is new, "
        "open, pending or on hold. The same update twice changes nothing the second time. A "
        "request from Zendesk carries X-Zendesk-Webhook-Signature and its -Timestamp.",
        operation_id="updateTicketExceptionStatus",
        tags=[TAG],
    )
    def patch(self, request: Request) -> Response:
        raw = request.body  # the bytes Zendesk signed, before anything parses them
        signed = SIGNATURE_HEADER in request.headers or TIMESTAMP_HEADER in request.headers
        if signed:
            _verify_zendesk(request, raw)
        if request.content_type.split(";")[0].strip() != "application/json":
            raise UnsupportedMediaType(request.content_type or "none")
        body = StatusUpdateSerializer(data=_parsed(raw))
        body.is_valid(raise_exception=True)
        update = body.validated_data
        system = update["externalSystemIdentifier"].strip().lower()
        if system == ZENDESK and not signed:
            _verify_zendesk(request, raw)
        with api_field_names(FIELD_NAMES):
            helpdesk_status_update(
                system=system,
                reference_id=update["externalReferenceId"],
                status=update["status"],
                comment=update.get("comment") or "",
                actor=helpdesk_actor(f"{system} via {self.actor().ref}"[:100]),
            )
        return Response(status=204)
