"""One error shape for every error the API answers, whatever raised it:

    {"error": {"code": "<machine code>", "message": "<sentence for a person>",
               "fields": {"<field>": ["<what is wrong>", ...], ...}}}

`fields` is empty unless the error is about particular input fields; errors not tied to one
field are listed under `non_field_errors`. The HTTP status carries the class of error:

* 400 `invalid` (input refused: DRF or domain validation), `parse_error` (malformed body),
  `bad_request` (a request Django refuses, e.g. too many fields)
* 401 `not_authenticated`, 403 `permission_denied`, 404 `not_found`, 405 `method_not_allowed`
* 409 `transition_not_allowed` (the fault's status does not allow the action), `conflict`
* 413 `payload_too_large`, 415 `unsupported_media_type`

Domain errors (`faults.errors.FaultError` and subclasses) keep their own `code` and
`status_code`.
"""

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from faults.errors import FaultError

logger = logging.getLogger(__name__)

NON_FIELD = "non_field_errors"
# Model field names that the API calls differently.
FIELD_ALIASES = {"__all__": NON_FIELD, "supplier": "partner"}


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = "The request body is too large."


class BadRequest(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "bad_request"
    default_detail = "The request was refused."


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer (for the OpenAPI schema)."""

    error = ErrorBodySerializer()


def error_body(code: str, message: str, fields: Mapping[str, Any] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": _clean_fields(fields or {})}}


def _plain(value: Any) -> Any:
    """ErrorDetail and lazy strings to str, recursively."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return str(value)


def _clean_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name, messages in fields.items():
        key = FIELD_ALIASES.get(str(name), str(name))
        value = _plain(messages)
        cleaned[key] = value if isinstance(value, list | dict) else [value]
    return cleaned


def _first_message(value: Any) -> str:
    if isinstance(value, Mapping):
        return next((_first_message(v) for v in value.values()), "")
    if isinstance(value, list | tuple):
        return next((_first_message(v) for v in value), "")
    return str(value)


def validation_message(fields: Mapping[str, Any], lead: str = "Invalid input") -> str:
    """A one-line summary naming the refused fields, e.g. 'Invalid input: priority: ...'."""
    parts = []
    for name, messages in list(fields.items())[:3]:
        text = _first_message(messages).rstrip(".")
        parts.append(text if name == NON_FIELD else f"{name}: {text}")
    more = "; …" if len(fields) > 3 else ""
    return f"{lead}: {'; '.join(parts)}{more}." if parts else f"{lead}."


def _from_fault_error(exc: FaultError) -> Response:
    fields = _clean_fields(exc.errors)
    message = exc.message
    if fields and exc.status_code == status.HTTP_400_BAD_REQUEST:
        message = validation_message(fields, lead=exc.message.rstrip("."))
    return Response(error_body(exc.code, message, fields), status=exc.status_code)


def _from_django_validation(exc: DjangoValidationError) -> Response:
    raw = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages}
    fields = _clean_fields(raw)
    return Response(
        error_body("invalid", validation_message(fields), fields),
        status=status.HTTP_400_BAD_REQUEST,
    )


def _from_drf(exc: exceptions.APIException, response: Response) -> Response:
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        raw = detail if isinstance(detail, Mapping) else {NON_FIELD: detail}
        fields = _clean_fields(raw)
        response.data = error_body("invalid", validation_message(fields), fields)
        return response
    detail = exc.detail
    code = getattr(detail, "code", None) or exc.default_code
    message = _first_message(detail) if not isinstance(detail, str) else str(detail)
    response.data = error_body(str(code), message)
    return response


def _as_api_exception(exc: Exception) -> Exception:
    """Django's request errors as DRF exceptions, so that one path answers them all."""
    if isinstance(exc, Http404):
        return exceptions.NotFound(str(exc) if exc.args else None)
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, SuspiciousOperation):
        return BadRequest(str(exc) or None)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every error as the one documented shape. Anything else is a
    bug, left to Django (500, logged)."""
    if isinstance(exc, FaultError):
        return _from_fault_error(exc)
    if isinstance(exc, DjangoValidationError):
        return _from_django_validation(exc)
    if isinstance(exc, IntegrityError):
        # A concurrent request won a race (e.g. the same new buyer reference twice).
        logger.warning("Integrity error answered as 409: %s", exc)
        return Response(
            error_body("conflict", "The change conflicts with another change; try again."),
            status=status.HTTP_409_CONFLICT,
        )
    exc = _as_api_exception(exc)
    if not isinstance(exc, exceptions.APIException):
        return None
    response = drf_exception_handler(exc, context)
    return None if response is None else _from_drf(exc, response)
