"""The supplier's access tokens (seed 002: "Every API method requires an access token", obtained
with HTTP Basic credentials): issued by the token endpoint with a time to live, checked on every
API call.

Shortening the time to live (`POST /_sim/config {"token_ttl": …}`) shortens the tokens already
issued too, so a test can expire the buyer's cached token mid-run;
`{"expire_tokens": true}` ends them all at once.
"""

import base64
import binascii
import math
import secrets
import time
from dataclasses import dataclass

__all__ = ["Token", "TokenStore", "basic_credentials", "bearer_token", "expires_in"]


@dataclass
class Token:
    value: str
    issued_at: float  # time.monotonic()
    expires_at: float


class TokenStore:
    """Not thread-safe by itself: the simulator's state lock guards it."""

    def __init__(self) -> None:
        self._tokens: dict[str, Token] = {}

    def issue(self, ttl: float) -> Token:
        now = time.monotonic()
        self._forget_expired(now)
        token = Token(secrets.token_urlsafe(32), issued_at=now, expires_at=now + ttl)
        self._tokens[token.value] = token
        return token

    def is_valid(self, value: str) -> bool:
        token = self._tokens.get(value)
        return token is not None and time.monotonic() < token.expires_at

    def shorten(self, ttl: float) -> None:
        """No token outlives `ttl` seconds from its issue."""
        for token in self._tokens.values():
            token.expires_at = min(token.expires_at, token.issued_at + ttl)

    def expire_all(self) -> None:
        now = time.monotonic()
        for token in self._tokens.values():
            token.expires_at = min(token.expires_at, now)

    def clear(self) -> None:
        self._tokens.clear()

    def summary(self) -> dict[str, int]:
        now = time.monotonic()
        valid = sum(1 for token in self._tokens.values() if now < token.expires_at)
        return {"issued": len(self._tokens), "valid": valid}

    def _forget_expired(self, now: float) -> None:
        for value in [v for v, token in self._tokens.items() if token.expires_at <= now]:
            del self._tokens[value]


def expires_in(ttl: float) -> int:
    """`expires_in` as OAuth writes it: whole seconds, never more than the token lives."""
    return max(0, math.floor(ttl))


def basic_credentials(header: str) -> tuple[str, str] | None:
    """(client id, secret) from an `Authorization: Basic …` header; None if it is not one."""
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    return (client_id, secret) if colon else None


def bearer_token(header: str) -> str | None:
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
