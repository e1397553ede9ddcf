"""TMF's error shape, the answer to everything the listener refuses: v4's `Error` (`code`,
`reason`, `message`, `status`), as JSON. The codes are MEF 124's words where it has one
(`invalidBody`, `notFound`, `missingCredentials`…), so a seller's engineer can act on them.

Written without the database: the edge also answers an outage with it."""

import json

from django.http import HttpResponse

CONTENT_TYPE = "application/json;charset=utf-8"

# MEF 124's error codes by HTTP status (7.1.1), and words for the statuses it does not cover.
CODES = {
    400: "invalidBody",
    401: "invalidCredentials",
    403: "accessDenied",
    404: "notFound",
    405: "methodNotAllowed",
    409: "conflict",
    413: "payloadTooLarge",
    415: "unsupportedMediaType",
    422: "invalidValue",
    500: "internalError",
    503: "serviceUnavailable",
}
# What the sender can do about it, when the refusal gives no detail of its own.
NEXT_STEPS = {
    400: "The event was not stored: correct it before sending it again.",
    401: "Send the listener's bearer token in the Authorization header.",
    403: "Call from the addresses agreed for this partner, through the TLS front end.",
    404: "Check the listener URL: /listener/<eventType> under the callback we registered.",
    405: "The listener takes POST only.",
    413: "The event was not stored: the listener takes bodies up to the agreed size.",
    415: "Send the event as application/json.",
    503: "Nothing was stored: send the event again after the Retry-After delay.",
}


def error_body(*, status: int, reason: str, message: str = "", code: str | None = None) -> dict:
    return {
        "code": code or CODES.get(status, str(status)),
        "reason": reason,
        "message": message or NEXT_STEPS.get(status, reason),
        "status": str(status),
    }


def tmf_error_response(
    *, status: int, reason: str, message: str = "", code: str | None = None
) -> HttpResponse:
    """A v4 `Error` answer with this HTTP status."""
    body = error_body(status=status, reason=reason, message=message, code=code)
    return HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)
