"""The authentication strategy's contract, and the registry the partner's choice names.

The edge (`integrations.edge.PartnerEndpoint`) asks the partner's strategy twice:

* `authenticate(partner, request)` before the body is read: where the call comes from (the
  partner's source networks) and the credentials in its headers. Returns the `Caller`.
* `verify_body(partner, request, body)` once the body is read, within the size limit, for a
  strategy whose proof covers the body (the HMAC signature); the others accept it as it is.
  With `records_requests`, the edge runs it and the storing of the message in one transaction,
  so a request met by an outage while it is stored leaves no trace of having been seen. One the
  protocol refuses once it is verified (an unknown fault: 400) has used its signature, like any
  answered request: the partner signs every attempt afresh.

Both raise `AccessRefused`; its status (401 for missing or wrong credentials, 403 for a caller
who may not call at all) is answered in the protocol's own shape."""

from typing import ClassVar

from django.http import HttpRequest

from integrations.models import Partner
from integrations.security import (
    AccessRefused,
    Caller,
    check_source_address,
    forwarded_address,
)

_registry: dict[str, "AuthStrategy"] = {}


class AuthStrategy:
    """One way a partner proves who it is. Subclasses set `method` (an `InboundAuth` value)
    and are registered with `@register`."""

    method: ClassVar[str]
    records_requests: ClassVar[bool] = False

    def authenticate(self, partner: Partner, request: HttpRequest) -> Caller:
        """The caller's address through the trusted proxy (no mutual-TLS site needed), checked
        against the partner's networks, then `check_credentials`."""
        address = forwarded_address(request)
        check_source_address(partner, address)
        self.check_credentials(partner, request)
        return Caller(address=address, cert_fingerprint="")

    def check_credentials(self, partner: Partner, request: HttpRequest) -> None:
        """Raise `AccessRefused` unless the request's headers carry the partner's credentials."""

    def verify_body(self, partner: Partner, request: HttpRequest, body: bytes) -> None:
        """Raise `AccessRefused` unless the body is the one the credentials vouch for."""


def register(strategy: type[AuthStrategy]) -> type[AuthStrategy]:
    _registry[strategy.method] = strategy()
    return strategy


def strategy_for(partner: Partner) -> AuthStrategy:
    try:
        return _registry[partner.inbound_auth]
    except KeyError:
        # Saved before its strategy was removed: nothing can prove who it is.
        raise AccessRefused(
            f"{partner} has no usable authentication ('{partner.inbound_auth}')."
        ) from None


def unauthorised(message: str, *, challenge: str = "") -> AccessRefused:
    """Missing or wrong credentials: 401, with the scheme to use when there is one."""
    return AccessRefused(message, status=401, challenge=challenge)
