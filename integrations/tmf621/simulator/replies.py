"""What the simulator answers: a `Reply` (status, JSON, headers, what to do once it is sent), and
`TmfError`, a refusal in TMF's error shape (v4 `Error`: `code`, `reason`, `message`, `status`),
with MEF 124's error codes (`invalidBody`, `invalidQuery`, `missingCredentials`, `notFound`, …).

The simulator builds its own (it must not import our Django views).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["JSON", "Reply", "TmfError", "error_list"]

JSON = "application/json;charset=utf-8"
_SHOWN_ERRORS = 8


@dataclass
class Reply:
    status: int
    payload: Any = None  # JSON-ready; None: no body (204)
    headers: dict[str, str] = field(default_factory=dict)
    # Run once the answer has been written: what must not happen before the buyer has it.
    after: list[Callable[[], None]] = field(default_factory=list)
    ticket_id: str = ""  # for the record and the log
    error: str = ""

    @property
    def body(self) -> bytes:
        if self.payload is None:
            return b""
        return json.dumps(self.payload, ensure_ascii=False).encode("utf-8")


class TmfError(Exception):
    """A request refused with `status` and a TMF error body."""

    def __init__(
        self,
        status: int,
        code: str,
        reason: str,
        message: str = "",
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {reason}")
        self.status = status
        self.code = code
        self.reason = reason
        self.message = message
        self.headers = headers or {}

    def reply(self) -> Reply:
        payload = {
            "code": self.code,
            "reason": self.reason,
            "message": self.message,
            "status": str(self.status),
        }
        text = f"{self.reason}: {self.message}" if self.message else self.reason
        return Reply(self.status, payload, dict(self.headers), error=text)


def error_list(errors: list[str]) -> str:
    """Problems as one message, the first few in full."""
    shown = "; ".join(errors[:_SHOWN_ERRORS])
    if len(errors) > _SHOWN_ERRORS:
        shown += f"; and {len(errors) - _SHOWN_ERRORS} more"
    return shown
