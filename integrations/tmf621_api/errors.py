"""Every refusal of the TMF621 API as a v4 `Error` (`code`, `reason`, `message`, `status`), with
the HTTP status of its class, whatever raised it: our own `TicketError`, the fault services'
errors (a refused transition is a 409 with the state machine's reason), DRF's (authentication,
permission, malformed JSON, media type, method) and Django's (a body over the size limit).

`reason` says what is wrong in a sentence; `message` says what to do about it, or lists every
problem of the body (`path: what is wrong; …`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpResponse
from rest_framework import exceptions

from faults.errors import FaultError, FaultNotFound, TransitionNotAllowed
from integrations.tmf621.errors import tmf_error_response
from integrations.tmf621_api.details import wire_name

logger = logging.getLogger(__name__)

WWW_AUTHENTICATE = 'Token, Basic realm="tmf621"'
LOGIN_HINT = (
    "Send an API token (Authorization: Token <key>), a service account's user name and "
    "password (HTTP Basic), or call from a signed-in session."
)


class TicketError(Exception):
    """A refusal of the API's own, with its HTTP status and the v4 error's words."""

    def __init__(self, status: int, reason: str, message: str = "", code: str | None = None):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.message = message
        self.code = code


def invalid(reason: str, problems: Iterable[str] = (), *, code: str | None = None) -> TicketError:
    """A 400 naming every problem of the request (`code`: MEF 124's word, invalidBody unless
    said)."""
    problems = list(problems)
    return TicketError(400, reason, "; ".join(problems) if problems else reason, code=code)


def invalid_query(reason: str, problems: Iterable[str] = ()) -> TicketError:
    """A 400 for the query string (MEF 124's `invalidQuery`)."""
    return invalid(reason, problems, code="invalidQuery")


def fields_message(errors: Mapping[str, Iterable[str]]) -> str:
    """A fault service's field errors in the ticket's words: `attribute: what is wrong; …`."""
    parts = []
    for field, messages in errors.items():
        text = " ".join(str(message) for message in messages)
        parts.append(f"{wire_name(field)}: {text}" if field != "__all__" else text)
    return "; ".join(parts)


def _from_fault_error(exc: FaultError) -> HttpResponse:
    if isinstance(exc, TransitionNotAllowed):
        return tmf_error_response(
            status=409,
            reason=exc.message,
            message="The ticket's status does not allow this change; read the ticket for its "
            "current status.",
        )
    if isinstance(exc, FaultNotFound):
        return tmf_error_response(status=404, reason=exc.message, message=exc.message)
    message = fields_message(exc.errors) or exc.message
    return tmf_error_response(status=exc.status_code, reason=exc.message, message=message)


def _from_drf(exc: exceptions.APIException) -> HttpResponse:
    detail = exc.detail
    text = str(detail) if not isinstance(detail, list | dict) else str(exc.default_detail)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        code = "missingCredentials" if isinstance(exc, exceptions.NotAuthenticated) else None
        response = tmf_error_response(status=401, reason=text, message=LOGIN_HINT, code=code)
        response["WWW-Authenticate"] = WWW_AUTHENTICATE
        return response
    if isinstance(exc, exceptions.ParseError):
        return tmf_error_response(
            status=400, reason="The body is not valid JSON.", message=text, code="invalidBody"
        )
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return tmf_error_response(
            status=415,
            reason=text,
            message="Send the ticket as application/json (or application/merge-patch+json for "
            "a PATCH).",
        )
    if isinstance(exc, exceptions.MethodNotAllowed):
        return tmf_error_response(status=405, reason=text, message=text)
    if isinstance(exc, exceptions.ValidationError):
        return tmf_error_response(status=400, reason="Invalid request.", message=str(detail))
    response = tmf_error_response(status=exc.status_code, reason=text, message=text)
    wait = getattr(exc, "wait", None)  # throttled or locked out (429): when to call again
    if wait:
        response["Retry-After"] = str(max(1, int(wait)))
    return response


def error_response(exc: Exception) -> HttpResponse | None:
    """The TMF error answering `exc`; None for an exception that is a bug (left to Django)."""
    if isinstance(exc, TicketError):
        return tmf_error_response(
            status=exc.status, reason=exc.reason, message=exc.message, code=exc.code
        )
    if isinstance(exc, FaultError):
        return _from_fault_error(exc)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return tmf_error_response(
            status=400, reason="Invalid ticket.", message=fields_message(errors)
        )
    if isinstance(exc, IntegrityError):
        logger.warning("Integrity error answered as 409: %s", exc)
        return tmf_error_response(
            status=409,
            reason="The change conflicts with another change.",
            message="Read the ticket again and retry.",
        )
    if isinstance(exc, Http404):
        text = str(exc) or "No such resource."
        return tmf_error_response(status=404, reason=text, message=text)
    if isinstance(exc, RequestDataTooBig):
        return tmf_error_response(
            status=413,
            reason="The body is too large.",
            message="Send large files by URL (attachment.url) rather than as content.",
        )
    if isinstance(exc, SuspiciousOperation):
        text = str(exc) or "Request refused."
        return tmf_error_response(status=400, reason=text, message=text)
    if isinstance(exc, DjangoPermissionDenied):
        text = str(exc) or "Not allowed."
        return tmf_error_response(status=403, reason=text, message=text)
    if isinstance(exc, exceptions.APIException):
        return _from_drf(exc)
    return None
