"""The TMF621 routes in our OpenAPI schema (/api/schema/), described by the official v4
definitions themselves: `TroubleTicket`, `TroubleTicket_Create`, `TroubleTicket_Update`, `Error`
and what they refer to, read from the vendored v4 swagger (`integrations/tmf621/spec/`),
converted to OpenAPI 3 components named `Tmf621…` (our REST API has components of its own,
`Error` among them) and registered by this package's AutoSchema.

Where our API knowingly differs from v4, the component says so (`DEVIATIONS`): `priority` is
answered as our number (1 highest to 5) unless the client sent a word, and read as either; the
fault details v4 has no field for travel as v5's `troubleTicketCharacteristic`; MEF 124's
`reopened` is a status a buyer may PATCH.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)

from integrations.tmf621 import schema as tmf_schema
from integrations.tmf621_api.details import DETAILS
from integrations.tmf621_api.priority import LOWEST
from integrations.tmf621_api.query import (
    DEFAULT_LIMIT,
    FILTERS,
    MAX_LIMIT,
    OPERATORS,
    STATUS_WORDS,
)

PREFIX = "Tmf621"
ROOTS = ("TroubleTicket", "TroubleTicket_Create", "TroubleTicket_Update", "Error")
TAG = "TMF621 Trouble Ticket"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{PREFIX}{name}"}


_PRIORITY = {
    "description": f"1 (highest) to {LOWEST}; a word (critical, high, medium, low) is read and "
    "answered as sent while it still means the fault's priority.",
    "oneOf": [
        {"type": "integer", "minimum": 1, "maximum": LOWEST},
        {"type": "string"},
    ],
}
_CHARACTERISTICS = {
    "type": "array",
    "description": "The fault details v4 has no field for (v5's troubleTicketCharacteristic): "
    + ", ".join(detail.name for detail in DETAILS)
    + ".",
    "items": {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "enum": [detail.name for detail in DETAILS]},
            "value": {"oneOf": [{"type": "string"}, {"type": "boolean"}]},
            "valueType": {"type": "string"},
            "@type": {"type": "string"},
        },
    },
}
_MEF = {
    "issueStartDate": {
        "type": "string",
        "format": "date-time",
        "description": "MEF 124: when the issue started (our fault start time).",
    },
    "observedImpact": {
        "type": "string",
        "description": "MEF 124: down (a Service Outage), degraded or intermittent (an Impaired "
        "Service).",
    },
    "relatedContactInformation": {
        "type": "array",
        "description": "MEF 124: contacts; the reporterContact's name, number and emailAddress "
        "are the fault's reporter.",
        "items": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}
DEVIATIONS: dict[str, dict[str, Any]] = {
    "TroubleTicket": {
        "priority": _PRIORITY,
        "troubleTicketCharacteristic": _CHARACTERISTICS,
        **_MEF,
    },
    "TroubleTicket_Create": {
        "priority": _PRIORITY,
        "troubleTicketCharacteristic": _CHARACTERISTICS,
        **_MEF,
        "observedImpact": {"type": "string", "enum": ["down", "degraded", "intermittent"]},
    },
    "TroubleTicket_Update": {
        "priority": _PRIORITY,
        "troubleTicketCharacteristic": _CHARACTERISTICS,
        **_MEF,
        "status": {
            "type": "string",
            "description": "What a buyer may set: cancelled (withdraw), closed (accept a "
            "resolution), inProgress or reopened (reject it, with a statusChangeReason).",
            "enum": ["cancelled", "closed", "inProgress", "reopened"],
        },
    },
}


def _converted(node: Any) -> Any:
    """A Swagger 2 schema as OpenAPI 3: references to our components; a reference with
    siblings (a description) wrapped in allOf, which OpenAPI 3.0 requires."""
    if isinstance(node, list):
        return [_converted(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _converted(value) for key, value in node.items()}
    if "$ref" in node:
        target = ref(node.pop("$ref").rsplit("/", 1)[-1])
        return {"allOf": [target], **node} if node else target
    return node


def _referenced(definitions: dict[str, Any], roots: tuple[str, ...]) -> list[str]:
    found: list[str] = []
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in found:
            continue
        found.append(name)
        text = str(definitions[name])
        pending += [other for other in definitions if f"'#/definitions/{other}'" in text]
    return sorted(found)


@cache
def components() -> dict[str, dict[str, Any]]:
    """Every component the routes use, by its name in our schema."""
    definitions = copy.deepcopy(tmf_schema._spec()["definitions"])
    result = {}
    for name in _referenced(definitions, ROOTS):
        component = _converted(definitions[name])
        for prop, schema in DEVIATIONS.get(name, {}).items():
            component.setdefault("properties", {})[prop] = schema
        result[f"{PREFIX}{name}"] = component
    return result


class TicketAutoSchema(AutoSchema):
    """Registers the v4 components before describing an operation of the API."""

    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any
    ) -> Any:
        # A copy each time: drf-spectacular's enum post-processing rewrites the components it is
        # given in place (an enum becomes a $ref to a component of its own), so the cached ones
        # would reach the next generation of the schema without their enums' components.
        for name, schema in components().items():
            registry.register_on_missing(
                ResolvedComponent(
                    name=name,
                    type=ResolvedComponent.SCHEMA,
                    object=name,
                    schema=copy.deepcopy(schema),
                )
            )
        return super().get_operation(path, path_regex, path_prefix, method, registry)

    def get_tags(self) -> list[str]:
        return [TAG]


ERROR_DESCRIPTIONS = {
    400: "Invalid request: `message` lists every problem.",
    401: "Not authenticated: send a token, HTTP Basic credentials or a session.",
    403: "Your role does not allow this (managers read, agents and admins write).",
    404: "No trouble ticket has this id.",
    409: "The ticket's status does not allow this change; `reason` says why.",
    413: "The body is too large.",
    415: "Not JSON (application/json, or application/merge-patch+json for a PATCH).",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {
        code: OpenApiResponse(ref("Error"), description=ERROR_DESCRIPTIONS[code]) for code in codes
    }


FIELDS = OpenApiParameter(
    "fields",
    OpenApiTypes.STR,
    description="Comma-separated attributes to answer, exactly those (first-level attributes "
    "of TroubleTicket).",
)


def _filter_parameters() -> list[OpenApiParameter]:
    parameters = []
    for name, spec in FILTERS.items():
        description = "Equal to (a,b: any of them)." if spec.split else "Equal to."
        enum = STATUS_WORDS if name == "status" else None
        parameters.append(
            OpenApiParameter(name, OpenApiTypes.STR, description=description, enum=enum)
        )
        if spec.compares is not None:
            parameters += [
                OpenApiParameter(f"{name}.{op}", OpenApiTypes.STR, description=f"{name} {op}.")
                for op in OPERATORS
            ]
    return parameters


LIST_PARAMETERS = [
    FIELDS,
    OpenApiParameter(
        "offset", OpenApiTypes.INT, description="Index of the first ticket answered (from 0)."
    ),
    OpenApiParameter(
        "limit",
        OpenApiTypes.INT,
        description=f"How many tickets to answer: 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}).",
    ),
    *_filter_parameters(),
    OpenApiParameter(
        "X-Total-Count",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        description=(
            "How many tickets match the filters. Without a filter, past "
            "TMF_API_EXACT_COUNT_LIMIT tickets (100 000 by default), PostgreSQL's estimate of "
            "them all: page until X-Result-Count is below the limit."
        ),
        response=[200],
    ),
    OpenApiParameter(
        "X-Result-Count",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        description="How many tickets this answer holds.",
        response=[200],
    ),
]
JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"

LIST_SCHEMAS = extend_schema_view(
    get=extend_schema(
        operation_id="listTroubleTicket",
        summary="List or find trouble tickets (newest first)",
        parameters=LIST_PARAMETERS,
        responses={
            200: OpenApiResponse(
                {"type": "array", "items": ref("TroubleTicket")}, description="Success"
            ),
            **errors(400, 401, 403),
        },
    ),
    post=extend_schema(
        operation_id="createTroubleTicket",
        summary="Create a trouble ticket (raised with the supplier at once when complete)",
        description="description, severity and ticketType are required; id, href, status, "
        "creationDate and the other system attributes are ignored. The supplier is the "
        "relatedParty with role supplier (or the only active supplier), the service the "
        "relatedEntity with @referredType Service or Product. A ticket missing what the "
        "supplier needs is kept as pending, its statusChangeReason naming what is missing.",
        request={JSON: ref("TroubleTicket_Create")},
        responses={
            201: OpenApiResponse(ref("TroubleTicket"), description="Created"),
            **errors(400, 401, 403, 409, 413, 415),
        },
    ),
)
DETAIL_SCHEMAS = extend_schema_view(
    get=extend_schema(
        operation_id="retrieveTroubleTicket",
        summary="A trouble ticket",
        parameters=[FIELDS],
        responses={
            200: OpenApiResponse(ref("TroubleTicket"), description="Success"),
            **errors(400, 401, 403, 404),
        },
    ),
    patch=extend_schema(
        operation_id="patchTroubleTicket",
        summary="Change a trouble ticket (JSON merge patch)",
        description="Amend attributes and details, add notes and attachments (the items not on "
        "the ticket yet), or set a status a buyer may set. Read-only attributes are refused.",
        request={MERGE_PATCH: ref("TroubleTicket_Update"), JSON: ref("TroubleTicket_Update")},
        responses={
            200: OpenApiResponse(ref("TroubleTicket"), description="Updated"),
            **errors(400, 401, 403, 404, 409, 413, 415),
        },
    ),
    delete=extend_schema(
        operation_id="deleteTroubleTicket",
        summary="Delete a trouble ticket not yet raised with the supplier",
        responses={
            204: OpenApiResponse(description="Deleted (the draft is cancelled)"),
            **errors(401, 403, 404, 409),
        },
    ),
)
ATTACHMENT_SCHEMA = extend_schema_view(
    get=extend_schema(
        operation_id="retrieveTroubleTicketAttachment",
        summary="An attachment's content",
        responses={
            (200, "*/*"): OpenApiTypes.BINARY,
            **errors(401, 403, 404),
        },
    )
)
