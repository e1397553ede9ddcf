"""OpenAPI descriptions of the fault API (drf-spectacular), kept apart so the views stay short."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

from faults.api import inputs
from faults.api.errors import ErrorSerializer
from faults.api.serializers import (
    FaultAttachmentSerializer,
    FaultCommentSerializer,
    FaultDetailSerializer,
    FaultListSerializer,
    FaultNoteSerializer,
)

ERROR_DESCRIPTIONS = {
    400: "Invalid input; `error.fields` names the refused fields.",
    401: "Not authenticated.",
    403: "Your role does not allow this.",
    404: "Nothing has the reference, id or slug in the path.",
    409: "The fault's status does not allow this action.",
    413: "The upload is too large.",
    415: "Unsupported media type.",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Error answers, all in the one shape of `faults.api.errors`."""
    return {
        code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
        for code in codes
    }


READ_ERRORS = (401, 403)
DETAIL_READ_ERRORS = (401, 403, 404)
ACTION_ERRORS = (400, 401, 403, 404, 409)

SERIALIZERS_BY_ACTION: dict[str, Any] = {
    "list": FaultListSerializer,
    "retrieve": FaultDetailSerializer,
    "create": inputs.FaultCreateSerializer,
    "partial_update": inputs.FaultAmendSerializer,
    "submit": inputs.NoInputSerializer,
    "cancel": inputs.CancelSerializer,
    "accept_resolution": inputs.NoInputSerializer,
    "reject_resolution": inputs.RejectResolutionSerializer,
    "request_update": inputs.NoInputSerializer,
    "comments": inputs.CommentCreateSerializer,
    "notes": inputs.NoteCreateSerializer,
    "assign": inputs.AssignSerializer,
    "assign_to_me": inputs.NoInputSerializer,
    "attachments": inputs.AttachmentUploadSerializer,
}


def _action(summary: str, request: Any = None, description: str = "") -> Any:
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses={200: FaultDetailSerializer, **errors(*ACTION_ERRORS)},
    )


FAULT_VIEWSET_SCHEMAS = {
    "list": extend_schema(
        summary="List faults",
        responses={200: FaultListSerializer(many=True), **errors(400, *READ_ERRORS)},
    ),
    "retrieve": extend_schema(
        summary="A fault with its SLA, timeline, comments and attachments",
        responses={200: FaultDetailSerializer, **errors(*DETAIL_READ_ERRORS)},
    ),
    "create": extend_schema(
        summary="Raise a fault (a draft; `submit: true` sends it at once)",
        request=inputs.FaultCreateSerializer,
        responses={201: FaultDetailSerializer, **errors(400, 401, 403, 409)},
    ),
    "partial_update": extend_schema(
        summary="Amend a fault (only the fields sent)",
        description="A draft changes freely; a raised fault accepts only the amendable fields, "
        "and the changed ones are sent to the supplier.",
        request=inputs.FaultAmendSerializer,
        responses={200: FaultDetailSerializer, **errors(*ACTION_ERRORS)},
    ),
    "submit": _action("Send a draft to the supplier (draft → pending)"),
    "cancel": _action("Cancel a fault", inputs.CancelSerializer),
    "accept_resolution": _action("Accept the supplier's resolution (resolved → closed)"),
    "reject_resolution": _action(
        "Reject the supplier's resolution (resolved → re-opened)",
        inputs.RejectResolutionSerializer,
    ),
    "request_update": _action(
        "Ask the supplier for a full update of the fault",
        description="Needs a raised, unfinished fault that has a maintainer reference.",
    ),
    "assign": _action(
        "Assign the fault to an owner and a team (or unassign it)",
        inputs.AssignSerializer,
        description="For our NOC only: nothing is sent to the supplier. A key left out keeps "
        "its value, null clears it. Refused (400) for an owner who is not an active agent, "
        "manager or admin, or who is not in the team. Allowed in every status; recorded on the "
        "fault's timeline (`assigned`) when something changed.",
    ),
    "assign_to_me": _action(
        "Take the fault: you become its owner",
        description="The fault keeps its team when you are in it, else takes your only team "
        "(none if you have several: then use `assign`).",
    ),
    "comments": [
        extend_schema(
            methods=["GET"],
            summary="The fault's comments",
            request=None,
            responses={200: FaultCommentSerializer(many=True), **errors(*DETAIL_READ_ERRORS)},
        ),
        extend_schema(
            methods=["POST"],
            summary="Add a comment",
            request=inputs.CommentCreateSerializer,
            responses={201: FaultCommentSerializer, **errors(*ACTION_ERRORS)},
        ),
    ],
    "notes": [
        extend_schema(
            methods=["GET"],
            summary="The fault's internal notes",
            description="Notes stay in our NOC: never sent to the supplier, unlike comments.",
            request=None,
            responses={200: FaultNoteSerializer(many=True), **errors(*DETAIL_READ_ERRORS)},
        ),
        extend_schema(
            methods=["POST"],
            summary="Add an internal note (never sent to the supplier)",
            description="Allowed in every status, a finished fault's too. To write to the "
            "supplier, add a comment instead.",
            request=inputs.NoteCreateSerializer,
            responses={201: FaultNoteSerializer, **errors(400, 401, 403, 404)},
        ),
    ],
    "attachments": [
        extend_schema(
            methods=["GET"],
            summary="The fault's attachments",
            request=None,
            responses={200: FaultAttachmentSerializer(many=True), **errors(*DETAIL_READ_ERRORS)},
        ),
        extend_schema(
            methods=["POST"],
            summary="Attach a file (multipart field `file`)",
            request={"multipart/form-data": inputs.AttachmentUploadSerializer},
            responses={201: FaultAttachmentSerializer, **errors(*ACTION_ERRORS, 413, 415)},
        ),
    ],
}

token_schema = extend_schema(
    summary="Obtain an API token",
    request=AuthTokenSerializer,
    responses={
        200: inline_serializer("AuthTokenResponse", fields={"token": serializers.CharField()}),
        **errors(400),
    },
    auth=[],
)
