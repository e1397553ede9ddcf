"""The `/troubleTicket` routes of the TMF621 v4 API over our faults (TMF621 v4 and TMF630):

    GET    /troubleTicket             list: filters, fields=, offset/limit, newest first
    POST   /troubleTicket             create (`writes.ticket_create`)
    GET    /troubleTicket/{id}        one ticket, fields=
    PATCH  /troubleTicket/{id}        JSON merge patch (`writes.ticket_update`)
    DELETE /troubleTicket/{id}        delete a ticket not yet raised (`writes.ticket_delete`)
    GET    /troubleTicket/{id}/attachment/{n}   an attachment's content

Each view reads the request, calls one module (`query`, `writes`) and answers with
`representation.ticket`; every error is a TMF `Error` (`errors.error_response`). Bodies are read
here, not by DRF's parsers, to keep the media types (JSON and merge patch, UTF-8), the size limit
(an attachment's base64 content fits) and strict JSON (no NaN) in one place.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from config.lockout import LockedOut, raise_if_locked_out
from faults.services import Actor
from integrations.tmf621.errors import CONTENT_TYPE
from integrations.tmf621_api import openapi, query, writes
from integrations.tmf621_api.auth import AUTHENTICATION, TicketRolePermission
from integrations.tmf621_api.errors import WWW_AUTHENTICATE, TicketError, error_response
from integrations.tmf621_api.representation import api_base_url, ticket, ticket_href

JSON_TYPES = frozenset({"application/json", "application/merge-patch+json"})
# Room for an attachment at the size limit as base64 content, and the rest of the ticket.
BODY_OVERHEAD_BYTES = 256 * 1024


def max_body_bytes() -> int:
    return settings.ATTACHMENT_MAX_BYTES * 4 // 3 + BODY_OVERHEAD_BYTES


def json_response(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def read_json(request: Request) -> Any:
    """The request's body as JSON: 415 for another media type or charset, 413 over the limit,
    400 when it is not strict JSON in UTF-8."""
    media_type, *params = (part.strip() for part in (request.content_type or "").split(";"))
    charsets = [
        p.split("=", 1)[1].strip('"').lower() for p in params if p.lower().startswith("charset=")
    ]
    if media_type.lower() not in JSON_TYPES or any(c not in ("utf-8", "utf8") for c in charsets):
        raise TicketError(
            415,
            f"Unsupported media type {media_type or '(none)'!r}.",
            "Send the ticket as application/json (or application/merge-patch+json for a "
            "PATCH), in UTF-8.",
        )
    limit = max_body_bytes()
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isdigit() and int(length) > limit:
        raise TicketError(413, "The body is too large.", f"At most {limit} bytes.")
    raw = request._request.read(limit + 1)
    if len(raw) > limit:
        raise TicketError(413, "The body is too large.", f"At most {limit} bytes.")
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise TicketError(
            400, "The body is not valid JSON.", str(exc)[:200], code="invalidBody"
        ) from None
    where = nul_at(body)
    if where is not None:
        raise TicketError(
            400, "The body holds a NUL character.", f"{where}: text without NUL (\\u0000)."
        )
    return body


def nul_at(node: Any, path: str = "(body)") -> str | None:
    """Where the first NUL character of a JSON document is (no database stores one), or None."""
    if isinstance(node, str):
        return path if "\x00" in node else None
    if isinstance(node, dict):
        for key, value in node.items():
            if "\x00" in key:
                return path
            found = nul_at(value, f"{path}.{key}" if path != "(body)" else key)
            if found:
                return found
    if isinstance(node, list):
        for index, value in enumerate(node):
            found = nul_at(value, f"{path}[{index}]")
            if found:
                return found
    return None


class BodyLeftToTheView(BaseParser):
    """Takes any media type and reads nothing: DRF parses a body only when something asks for
    `request.data` or `request.POST` (Django's CSRF check does, on a session's POST), and the
    view reads the body itself (`read_json`)."""

    media_type = "*/*"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> dict:
        return {}


class TicketApiView(APIView):
    """Authentication, roles and the TMF error shape, for every route of the API."""

    authentication_classes = AUTHENTICATION
    permission_classes = [TicketRolePermission]
    renderer_classes = [JSONRenderer]
    parser_classes = [BodyLeftToTheView]
    schema = openapi.TicketAutoSchema()

    def get_authenticate_header(self, request: Request) -> str:
        return WWW_AUTHENTICATE

    def handle_exception(self, exc: Exception) -> HttpResponse:
        if isinstance(exc, exceptions.AuthenticationFailed):
            # Basic authentication refused for too many failed logins (django-axes): a 429
            # saying how to get back in, not the 401 of a wrong password.
            try:
                raise_if_locked_out(self.request)
            except LockedOut as locked:
                exc = locked
        response = error_response(exc)
        if response is None:
            raise exc
        return response

    def actor(self) -> Actor:
        return Actor.for_user(self.request.user)

    def base_url(self) -> str:
        return api_base_url(self.request)


@openapi.LIST_SCHEMAS
class TicketListView(TicketApiView):
    """Trouble tickets: our faults, whoever raised them (the NOC's pages, our REST API, this
    API)."""

    http_method_names = ["get", "post", "head", "options"]

    def get(self, request: Request) -> HttpResponse:
        params = request.query_params
        fields = query.parse_fields(params)
        offset, limit = query.page_bounds(params)
        total, exact = query.total_count(params)
        faults = []
        if offset < total or not exact:
            selected = query.filtered(query.ticket_queryset(fields), params)
            faults = list(selected[offset : offset + limit])
        base = self.base_url()
        response = json_response([ticket(fault, base_url=base, fields=fields) for fault in faults])
        response["X-Total-Count"] = str(total)
        response["X-Result-Count"] = str(len(faults))
        return response

    def post(self, request: Request) -> HttpResponse:
        fault = writes.ticket_create(body=read_json(request), actor=self.actor())
        base = self.base_url()
        fault = query.ticket_get(fault.buyer_fault_reference, query.ticket_queryset())
        response = json_response(ticket(fault, base_url=base), status=201)
        response["Location"] = ticket_href(base, fault.buyer_fault_reference)
        return response


@openapi.DETAIL_SCHEMAS
class TicketDetailView(TicketApiView):
    """One trouble ticket, by its id (our buyer fault reference)."""

    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get(self, request: Request, ticket_id: str) -> HttpResponse:
        fields = query.parse_fields(request.query_params)
        fault = query.ticket_get(ticket_id, query.ticket_queryset(fields))
        return json_response(ticket(fault, base_url=self.base_url(), fields=fields))

    def patch(self, request: Request, ticket_id: str) -> HttpResponse:
        fault = query.ticket_get(ticket_id)
        body = read_json(request)
        writes.ticket_update(fault=fault, body=body, actor=self.actor())
        fault = query.ticket_get(ticket_id, query.ticket_queryset())
        return json_response(ticket(fault, base_url=self.base_url()))

    def delete(self, request: Request, ticket_id: str) -> HttpResponse:
        fault = query.ticket_get(ticket_id)
        writes.ticket_delete(fault=fault, actor=self.actor())
        return HttpResponse(status=204)


@openapi.ATTACHMENT_SCHEMA
class TicketAttachmentView(TicketApiView):
    """A stored attachment's content, at the `url` the ticket gives it."""

    http_method_names = ["get", "head", "options"]

    def get(self, request: Request, ticket_id: str, attachment_id: str) -> FileResponse:
        fault = query.ticket_get(ticket_id)
        attachment = fault.attachments.filter(pk=int(attachment_id)).first()
        handle = None
        if attachment is not None and attachment.file:
            try:
                handle = attachment.file.open("rb")
            except FileNotFoundError:
                handle = None
        if handle is None:
            raise TicketError(
                404,
                f"Ticket {ticket_id} has no stored attachment {attachment_id}.",
                "The ticket's attachment list gives each one's url.",
            )
        return FileResponse(handle, as_attachment=True, filename=attachment.filename)


@extend_schema(exclude=True)
class NoRouteView(TicketApiView):
    """Any other URL under the API's base: a TMF 404 (after authentication, so an anonymous
    caller is told to authenticate, as on every route)."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        raise TicketError(
            404,
            f"No resource at {request.path[:200]}.",
            "The API serves /troubleTicket and /troubleTicket/{id}.",
        )
