"""The one HTTP client for calls to partners (style §7).

`partner_session(partner)` is a `requests.Session` that cannot be talked out of its hardening:
the partner's client certificate and CA bundle, the partner's timeouts when a caller gives none,
redirects never followed (whatever `allow_redirects` says), every answer read through a size cap
(a bigger one raises `ResponseTooLarge`, a `requests.RequestException`), and nothing from the
environment (proxies, netrc). A SOAP client gets the same guarantees by being handed the session:
`zeep.Transport(session=partner_session(partner))`.

The partner's adapter may give the session an authentication (`PartnerAdapter.session_auth`,
e.g. TMF621's access token): every call through `partner_session`, whoever makes it, carries it.

`send(partner, request)` sends an `OutboundRequest` (what an adapter builds, and what the outbox
stores so that a retry sends exactly the same) through that session and returns a `CallResult`
with the spine's default `Outcome`; an adapter may classify the answer otherwise before the
outbox acts on it (`PartnerAdapter.classify`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import requests

if TYPE_CHECKING:
    from integrations.models import Partner

logger = logging.getLogger(__name__)
MAX_RESPONSE_BYTES = 1024 * 1024
METHODS = frozenset({"GET", "POST", "PATCH", "PUT", "DELETE"})
_CHUNK = 64 * 1024


class Outcome(StrEnum):
    """What an answer means for the message that got it."""

    DELIVERED = "delivered"  # the partner took it (by default: 2xx)
    RETRY = "retry"  # try again later (timeouts, connection errors, 5xx, 429)
    FINAL = "final"  # the partner refused this message; the same would be refused again (4xx)
    CREDENTIALS_REFUSED = "credentials refused"  # our credentials are broken (401): stop sending


@dataclass(frozen=True)
class OutboundRequest:
    """One HTTP request to a partner, as its adapter builds it. The URL is the partner's base URL
    followed by `path`; `message_type` is the protocol's name for the message (shown to people,
    not sent). The outbox stores all of it and the admin shows it: credentials do not belong in
    `headers` (the partner's session carries them)."""

    message_type: str
    method: str = "POST"
    path: str = ""
    query: Mapping[str, str | list[str]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""
    content_type: str = ""

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"{self.method!r} is not one of {', '.join(sorted(METHODS))}.")


@dataclass(frozen=True)
class CallResult:
    outcome: Outcome
    status_code: int | None
    body: bytes
    error: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)


class ResponseTooLarge(requests.RequestException):
    """The partner's answer is bigger than the session's cap: it is refused unread."""


class CredentialsRefused(requests.RequestException):
    """Raised by a session's authentication when the partner refuses the credentials it needs
    before the call itself can be made (a token endpoint answering 401, no secret set): for
    the caller, the partner refused our credentials. `status_code` is the refusing answer's."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class PartnerSession(requests.Session):
    """A session whose hardening holds for every caller, ours or a library's (zeep): redirects are
    never followed, a call without a timeout gets the partner's, and each answer is read at once
    through the size cap (so `response.content` is all a caller ever sees)."""

    def __init__(
        self,
        *,
        timeout: tuple[float, float],
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        super().__init__()
        self.trust_env = False  # no proxies or netrc from the environment
        self.max_redirects = 0
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes

    def get_redirect_target(self, resp: requests.Response) -> None:
        """Never a redirect to follow: a 3xx comes back to the caller as it is (a moved endpoint
        needs an admin, not a client that goes wherever it is told)."""
        return None

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        kwargs["allow_redirects"] = False
        kwargs["stream"] = True
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        response = super().send(request, **kwargs)
        try:
            response._content = self._read_capped(response)
        except BaseException:
            response.close()
            raise
        return response

    def _read_capped(self, response: requests.Response) -> bytes:
        """The whole (decoded, so a compressed bomb counts at its real size) body, refused as
        soon as it passes the cap."""
        cap = self.max_response_bytes
        declared = response.headers.get("Content-Length", "")
        # isdigit() alone lets through digits int() cannot read ("²"): ASCII digits only.
        if declared.isascii() and declared.isdigit() and int(declared) > cap:
            raise ResponseTooLarge(
                f"the answer is larger than the {cap} bytes accepted (it declares {declared})",
                response=response,
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(_CHUNK):
            size += len(chunk)
            if size > cap:
                raise ResponseTooLarge(
                    f"the answer is larger than the {cap} bytes accepted", response=response
                )
            chunks.append(chunk)
        return b"".join(chunks)


def partner_session(
    partner: Partner,
    *,
    max_response_bytes: int = MAX_RESPONSE_BYTES,
    authenticated: bool = True,
) -> PartnerSession:
    """A hardened session for calls to this partner (see the module docstring). A call that
    expects a bigger answer than a message (an attachment download) says how big it may be.
    `authenticated=False` leaves out the adapter's authentication: the session that
    authentication uses for its own calls (a token endpoint)."""
    session = PartnerSession(
        timeout=(partner.connect_timeout, partner.read_timeout),
        max_response_bytes=max_response_bytes,
    )
    if partner.client_cert_path:
        session.cert = (partner.client_cert_path, partner.client_key_path or None)
    session.verify = partner.ca_bundle_path or True
    if authenticated:
        session.auth = _adapter_auth(partner)
    return session


def _adapter_auth(partner: Partner) -> requests.auth.AuthBase | None:
    """The authentication the partner's protocol adds to every call (`session_auth`)."""
    from integrations.packages import adapter_for

    adapter = adapter_for(partner.protocol)
    return adapter.session_auth(partner) if adapter is not None else None


def classify(status_code: int) -> Outcome:
    """The spine's default meaning of an HTTP status."""
    if 200 <= status_code < 300:
        return Outcome.DELIVERED
    if status_code == 401:
        return Outcome.CREDENTIALS_REFUSED
    if status_code == 429 or status_code >= 500:
        return Outcome.RETRY
    # Everything else is final, 3xx included: we never follow redirects, a moved endpoint
    # needs an admin.
    return Outcome.FINAL


def partner_url(partner: Partner, path: str) -> str:
    """The partner's base URL followed by the request's path."""
    base = partner.base_url.rstrip("/")
    return f"{base}/{path.lstrip('/')}" if path else base


def request_url(partner: Partner, request: OutboundRequest) -> str:
    """The full URL the request goes to, query string included (as `send` encodes it)."""
    url = partner_url(partner, request.path)
    return f"{url}?{urlencode(dict(request.query), doseq=True)}" if request.query else url


def send(partner: Partner, request: OutboundRequest) -> CallResult:
    """Send the request to the partner; every failure is a result (never an exception), with
    the default outcome of its answer."""
    url = request_url(partner, request)
    headers = {"Content-Type": request.content_type} if request.content_type else {}
    headers.update(request.headers)
    try:
        with partner_session(partner) as session:
            response = session.request(
                request.method,
                url,
                data=request.body.encode() if request.body else None,
                headers=headers,
            )
    except CredentialsRefused as exc:
        # Refused before the call was made (the token endpoint said no): what a 401 means.
        return CallResult(Outcome.CREDENTIALS_REFUSED, exc.status_code, b"", str(exc))
    except ResponseTooLarge as exc:
        # Retried like an answer that never came: the row goes dead, in front of an agent,
        # rather than being read as an answer we never saw.
        status = exc.response.status_code if exc.response is not None else None
        return CallResult(Outcome.RETRY, status, b"", f"answer refused: {exc}")
    except requests.Timeout as exc:
        return CallResult(Outcome.RETRY, None, b"", f"timeout: {exc}")
    except requests.ConnectionError as exc:
        return CallResult(Outcome.RETRY, None, b"", f"connection error: {exc}")
    except requests.RequestException as exc:
        return CallResult(Outcome.RETRY, None, b"", f"request failed: {exc}")
    outcome = classify(response.status_code)
    logger.info("%s %s -> %s (%s)", request.method, url, response.status_code, outcome)
    return CallResult(outcome, response.status_code, response.content, headers=response.headers)
