"""The seed's error envelope, on every error of the ticket exceptions API whatever raised it:

    {"errorCode": "ValidationFailed", "message": "<a sentence>", "errors": {"field": ["..."]}}

The seed's codes: ValidationFailed (400: refused input, a malformed body or query), Unauthorized
(401: no token, or one that is expired, badly signed or of an unknown issuer), Forbidden (403:
the persona), NotFound (404), InternalServerError (500: a bug, logged with its traceback). Errors
the seed does not name keep the same shape with a code of their own: MethodNotAllowed (405),
NotAcceptable (406), Conflict (409), PayloadTooLarge (413), UnsupportedMediaType (415),
TooManyRequests (429). `errors` is empty unless the error is about particular fields; an error
about the request as a whole is listed under `request`."""

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from faults.errors import FaultError

logger = logging.getLogger(__name__)

VALIDATION_FAILED = "ValidationFailed"
UNAUTHORIZED = "Unauthorized"
FORBIDDEN = "Forbidden"
NOT_FOUND = "NotFound"
INTERNAL_SERVER_ERROR = "InternalServerError"
WHOLE_REQUEST = "request"

CODE_BY_STATUS = {
    400: VALIDATION_FAILED,
    401: UNAUTHORIZED,
    403: FORBIDDEN,
    404: NOT_FOUND,
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    429: "TooManyRequests",
    500: INTERNAL_SERVER_ERROR,
}
FIELD_ALIASES = {"__all__": WHOLE_REQUEST, "non_field_errors": WHOLE_REQUEST}


class ErrorEnvelopeSerializer(serializers.Serializer):
    """Every error of the ticket exceptions API."""

    errorCode = serializers.CharField()
    message = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


def envelope(code: str, message: str, errors: Mapping[str, Any] | None = None) -> dict:
    return {"errorCode": code, "message": message, "errors": _fields(errors or {})}


def _flat(value: Any) -> list[str]:
    if isinstance(value, Mapping):
        return [f"{key}: {text}" for key, item in value.items() for text in _flat(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _flat(item)]
    return [str(value)]


def _fields(errors: Mapping[str, Any]) -> dict[str, list[str]]:
    return {FIELD_ALIASES.get(str(name), str(name)): _flat(value) for name, value in errors.items()}


def _summary(errors: dict[str, list[str]], lead: str = "The request is not valid") -> str:
    parts = [
        text if name == WHOLE_REQUEST else f"{name}: {text}"
        for name, texts in list(errors.items())[:3]
        for text in texts[:1]
    ]
    return f"{lead}: {'; '.join(part.rstrip('.') for part in parts)}." if parts else f"{lead}."


def _validation(errors: Mapping[str, Any], lead: str = "The request is not valid") -> Response:
    fields = _fields(errors)
    return Response(envelope(VALIDATION_FAILED, _summary(fields, lead), fields), status=400)


def _from_api_exception(exc: exceptions.APIException) -> Response:
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        return _validation(detail if isinstance(detail, Mapping) else {WHOLE_REQUEST: detail})
    if isinstance(exc, exceptions.ParseError):
        return _validation({"body": [str(exc.detail)]}, lead="The body is not valid JSON")
    status_code = exc.status_code
    code = CODE_BY_STATUS.get(status_code) or CODE_BY_STATUS[500 if status_code >= 500 else 400]
    response = Response(envelope(code, " ".join(_flat(exc.detail))), status=status_code)
    if getattr(exc, "auth_header", None):
        response["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        response["Retry-After"] = str(int(exc.wait))
    return response


def _from_fault_error(exc: FaultError) -> Response:
    if exc.status_code == 400:
        errors = exc.errors or {WHOLE_REQUEST: [exc.message]}
        return _validation(errors, lead=exc.message.rstrip("."))
    code = CODE_BY_STATUS.get(exc.status_code, VALIDATION_FAILED)
    return Response(envelope(code, exc.message, exc.errors), status=exc.status_code)


def _as_api_exception(exc: Exception) -> Exception:
    """Django's request errors as DRF's, so one path answers them."""
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        return exceptions.NotFound("Nothing has the id in the path.")
    if isinstance(exc, RequestDataTooBig):
        too_big = exceptions.APIException("The request body is too large.")
        too_big.status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
        return too_big
    if isinstance(exc, SuspiciousOperation):
        return exceptions.ValidationError({WHOLE_REQUEST: [str(exc) or "The request was refused."]})
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, DjangoValidationError):
        raw = exc.message_dict if hasattr(exc, "error_dict") else {WHOLE_REQUEST: exc.messages}
        return exceptions.ValidationError(raw)
    return exc


def error_response(exc: Exception, context: dict[str, Any] | None = None) -> Response:
    """The envelope answering `exc`, never None: an exception nobody expected is a bug, logged
    with its traceback and answered InternalServerError (not Django's HTML page). The
    transaction of the request, if any, is rolled back."""
    set_rollback()
    if isinstance(exc, FaultError):
        return _from_fault_error(exc)
    if isinstance(exc, IntegrityError):
        logger.warning("Integrity error answered as 409: %s", exc)
        return Response(
            envelope("Conflict", "The change conflicts with another change; try again."),
            status=409,
        )
    exc = _as_api_exception(exc)
    if isinstance(exc, exceptions.APIException):
        return _from_api_exception(exc)
    request = (context or {}).get("request")
    where = f"{request.method} {request.path}" if request is not None else "a request"
    logger.error("Unhandled error answering %s", where, exc_info=exc)
    return Response(
        envelope(INTERNAL_SERVER_ERROR, "An unexpected error occurred; it has been logged."),
        status=500,
    )
