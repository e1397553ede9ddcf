"""Reading a TMF621 supplier's answers, and the calls made outside the outbox (the hub
registration and the back-fill, which an admin waits for): sent through the same hardened,
authenticated session (`integrations.http.send`), a refusal of our credentials flagging the
partner as on any call, every failure a `SupplierCallFailed` that says what happened."""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from integrations.http import CallResult, OutboundRequest, Outcome, send
from integrations.models import Partner
from integrations.outbox import partner_credentials_refused


class SupplierCallFailed(Exception):
    """The call did not do what was asked; the message says why, for a person. `status_code`
    is the supplier's answer, when there was one."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


def read_json(body: bytes) -> Any:
    """The answer as JSON, or None when it is not."""
    try:
        return json.loads(body)
    except ValueError:
        return None


def refusal_reason(result: CallResult) -> str:
    """The supplier's own words for a refusal (the TMF error's `reason` and `message`), else
    what the spine knows of it."""
    document = read_json(result.body) if result.body else None
    words: list[str] = []
    if isinstance(document, dict):
        for name in ("reason", "message"):
            value = str(document.get(name) or "").strip()
            if value and value not in words:
                words.append(value)
    if words:
        return ": ".join(words)
    if result.error:
        return result.error
    return f"HTTP {result.status_code}" if result.status_code is not None else "no answer"


def supplier_call(partner: Partner, request: OutboundRequest) -> CallResult:
    """Send `request` now and return the supplier's successful answer, or raise
    `SupplierCallFailed`. Nothing is sent while the partner's credentials are flagged broken."""
    if partner.credentials_broken_at is not None:
        raise SupplierCallFailed(
            f"{partner} refused our credentials on "
            f"{partner.credentials_broken_at:%Y-%m-%d %H:%M} ({partner.credentials_broken_reason})"
            ": fix them, then use “Credentials fixed: resume sending” on the partner."
        )
    result = send(partner, request)
    if result.outcome == Outcome.DELIVERED:
        return result
    answer = f"HTTP {result.status_code}" if result.status_code is not None else "no answer"
    if result.outcome == Outcome.CREDENTIALS_REFUSED:
        partner_credentials_refused(
            partner_id=partner.pk,
            reason=f"{answer} to {request.message_type}",
            at=timezone.now(),
        )
        raise SupplierCallFailed(
            f"{partner} refused our credentials ({refusal_reason(result)}): nothing more is "
            "sent to it until they are fixed.",
            status_code=result.status_code,
        )
    if result.status_code is None:
        raise SupplierCallFailed(
            f"{partner} could not be reached ({result.error}); nothing was changed, try again "
            "later."
        )
    raise SupplierCallFailed(
        f"{partner} answered {answer}: {refusal_reason(result)}", status_code=result.status_code
    )
