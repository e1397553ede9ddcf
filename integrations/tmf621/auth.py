"""The access token every call to a TMF621 supplier carries (seed 002: "Every API method requires
an access token", obtained with HTTP Basic credentials; OAuth 2's client credentials grant).

`partner_token_auth(partner)` is the adapter's `session_auth`: a `requests` authentication that
puts `Authorization: Bearer <token>` on each request and, like requests' `HTTPDigestAuth`
answering a 401, renews the token once and sends the same request once more when the supplier
answers 401. A second 401 goes back to the caller (the outbox then flags the partner).

Tokens are cached per process (`TOKENS`), per partner and credentials, until they expire less a
margin. Fetching runs under a lock per credentials, so threads that all need a token, or all got
a 401 with the same one, fetch one between them. The token endpoint is called through the
partner's hardened session (its CA bundle, timeouts, size cap), without the token auth itself.

What goes wrong at the token endpoint is one of two things for the caller: the supplier refused
our client credentials (400/401/403, no secret set, a secret we cannot decrypt, or credentials
about to travel over plain HTTP to a real supplier) is `integrations.http.CredentialsRefused`,
which the spine treats as a 401; anything else (unreachable, 5xx, an answer without a token) is
`TokenUnavailable`, a `requests.RequestException`, retried like a connection error.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import requests
from requests.auth import AuthBase, HTTPBasicAuth

from integrations.auth.secrets import SecretUnreadable, decrypt_secret
from integrations.choices import Environment
from integrations.http import CredentialsRefused, partner_session

if TYPE_CHECKING:
    from integrations.models import Partner

logger = logging.getLogger(__name__)

GRANT = {"grant_type": "client_credentials"}
DEFAULT_LIFETIME = 300.0  # seconds, when the answer says nothing of `expires_in`
MAX_MARGIN = 60.0  # renew this long before expiry at most (10 % of a shorter lifetime)
REFUSED_STATUSES = frozenset({400, 401, 403})  # RFC 6749 §5.2: invalid_client, invalid_grant…


class TokenUnavailable(requests.RequestException):
    """The token endpoint gave no token (unreachable, 5xx, an unreadable answer): retry later."""


@dataclass(frozen=True)
class ClientCredentials:
    """What a token is fetched with; `key` names it in the cache (the secret only hashed)."""

    partner_id: int
    token_url: str
    client_id: str
    client_secret: str = field(repr=False)
    # Only a local simulator may be called over plain HTTP: elsewhere the secret and the token
    # would travel in clear (seed 002: "security: HTTPS").
    plain_http_allowed: bool = False

    @property
    def key(self) -> tuple[int, str, str, str]:
        secret = hashlib.sha256(self.client_secret.encode()).hexdigest()
        return (self.partner_id, self.token_url, self.client_id, secret)

    def check_transport(self, url: str) -> None:
        if not self.plain_http_allowed and not url.lower().startswith("https://"):
            raise CredentialsRefused(
                f"{url} is not HTTPS: our client credentials and access token are sent only "
                "over HTTPS (plain HTTP is for a local simulator)."
            )


@dataclass
class _Token:
    value: str
    renew_at: float


Fetch = Callable[[], tuple[str, float]]  # -> (token, lifetime in seconds)


class TokenCache:
    """Tokens by credentials, each valid until its `renew_at` on `clock` (monotonic seconds)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._tokens: dict[tuple, _Token] = {}
        self._locks: dict[tuple, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, key: tuple) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _valid(self, key: tuple) -> _Token | None:
        token = self._tokens.get(key)
        return token if token is not None and self.clock() < token.renew_at else None

    def _store(self, key: tuple, fetch: Fetch) -> str:
        value, lifetime = fetch()
        margin = min(MAX_MARGIN, lifetime / 10)
        self._tokens[key] = _Token(value, self.clock() + lifetime - margin)
        return value

    def token(self, credentials: ClientCredentials, fetch: Fetch) -> str:
        """The cached token, or a new one."""
        key = credentials.key
        with self._lock(key):
            cached = self._valid(key)
            return cached.value if cached is not None else self._store(key, fetch)

    def renewed(self, credentials: ClientCredentials, used: str, fetch: Fetch) -> str:
        """A token other than `used`, which the supplier refused: the one another thread has
        fetched meanwhile, or a new one."""
        key = credentials.key
        with self._lock(key):
            cached = self._valid(key)
            if cached is not None and cached.value != used:
                return cached.value
            return self._store(key, fetch)

    def forget(self, credentials: ClientCredentials, used: str) -> None:
        """Drop `used` (refused even fresh): the next call fetches again."""
        key = credentials.key
        with self._lock(key):
            cached = self._tokens.get(key)
            if cached is not None and cached.value == used:
                del self._tokens[key]

    def clear(self) -> None:
        with self._guard:
            self._tokens.clear()


TOKENS = TokenCache()


def _error_reason(response: requests.Response) -> str:
    """The token endpoint's own words for a refusal (OAuth's or TMF's error shape), if any."""
    try:
        document = response.json()
    except ValueError:
        return ""
    if not isinstance(document, dict):
        return ""
    words = [document.get(name) for name in ("error_description", "error", "reason", "message")]
    return next((str(word) for word in words if word), "")


def fetch_token(
    credentials: ClientCredentials, session_factory: Callable[[], requests.Session]
) -> tuple[str, float]:
    """POST the client credentials grant to the token endpoint with HTTP Basic credentials."""
    credentials.check_transport(credentials.token_url)
    try:
        with session_factory() as session:
            response = session.post(
                credentials.token_url,
                data=GRANT,
                auth=HTTPBasicAuth(credentials.client_id, credentials.client_secret),
                headers={"Accept": "application/json"},
            )
    except requests.RequestException as exc:
        raise TokenUnavailable(f"the token endpoint could not be reached: {exc}") from exc
    status = response.status_code
    if status in REFUSED_STATUSES:
        reason = _error_reason(response)
        raise CredentialsRefused(
            f"the token endpoint refused our client credentials (HTTP {status}"
            f"{': ' + reason if reason else ''})",
            status_code=status,
        )
    if status != 200:
        raise TokenUnavailable(f"the token endpoint answered HTTP {status}")
    try:
        document = response.json()
    except ValueError:
        document = None
    token = document.get("access_token") if isinstance(document, dict) else None
    token_type = str(document.get("token_type", "Bearer")) if isinstance(document, dict) else ""
    if not isinstance(token, str) or not token.strip() or token_type.lower() != "bearer":
        raise TokenUnavailable("the token endpoint's answer holds no bearer access token")
    lifetime = document.get("expires_in")
    if isinstance(lifetime, bool) or not isinstance(lifetime, int | float) or lifetime <= 0:
        lifetime = DEFAULT_LIFETIME
    logger.info("Access token fetched for partner %s", credentials.partner_id)
    return token.strip(), float(lifetime)


class TokenAuth(AuthBase):
    """Bearer token on every request; on a 401, one renewal and one resend."""

    def __init__(
        self,
        credentials: ClientCredentials,
        session_factory: Callable[[], requests.Session],
        cache: TokenCache = TOKENS,
    ) -> None:
        self.credentials = credentials
        self.cache = cache
        self._fetch = partial(fetch_token, credentials, session_factory)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        self.credentials.check_transport(request.url or "")
        token = self.cache.token(self.credentials, self._fetch)
        request.headers["Authorization"] = f"Bearer {token}"
        request.register_hook("response", partial(self._renew_once, used=token))
        return request

    def _renew_once(
        self, response: requests.Response, *, used: str, **send_kwargs: Any
    ) -> requests.Response:
        """The response hook: a 401 gets one new token and the same request once more (sent by
        the same connection adapter with the same settings, so no hook runs again). Its answer,
        whatever it is, is the caller's."""
        if response.status_code != 401:
            return response
        response.close()  # unread: an unbounded refusal is not worth reading
        token = self.cache.renewed(self.credentials, used, self._fetch)
        retry = response.request.copy()
        retry.headers["Authorization"] = f"Bearer {token}"
        answer = response.connection.send(retry, **send_kwargs)
        answer.history.append(response)
        answer.request = retry
        if answer.status_code == 401:
            self.cache.forget(self.credentials, token)
        return answer


class _Refusing(AuthBase):
    """The partner has no usable credentials: every call is refused before it is made."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        raise CredentialsRefused(self.reason)


def partner_token_auth(partner: Partner) -> AuthBase:
    """The token authentication for calls to this partner, from its `Tmf621Connection`."""
    from integrations.tmf621.models import Tmf621Connection

    connection = Tmf621Connection.objects.filter(partner_id=partner.pk).first()
    if connection is None:
        return _Refusing(
            f"{partner} has no TMF621 connection settings (token endpoint, client id)."
        )
    if not connection.client_secret_encrypted:
        return _Refusing(f"No client secret is set for {partner}'s token endpoint.")
    try:
        secret = decrypt_secret(connection.client_secret_encrypted).decode()
    except SecretUnreadable:
        return _Refusing(
            f"{partner}'s client secret cannot be decrypted with PARTNER_SECRET_KEYS: set it again."
        )
    credentials = ClientCredentials(
        partner_id=partner.pk,
        token_url=connection.token_url,
        client_id=connection.client_id,
        client_secret=secret,
        plain_http_allowed=partner.environment == Environment.SIMULATOR,
    )
    return TokenAuth(credentials, partial(partner_session, partner, authenticated=False))
