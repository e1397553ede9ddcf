"""How a partner proves who it is on its calls to us: one strategy per module, chosen per
partner (`Partner.inbound_auth`, in the admin), run by the inbound edge (`integrations.edge`).

* `client_certificate`: pinned fingerprints behind the proxy's mutual-TLS site (the default);
* `basic`: HTTP Basic; `bearer`: a bearer token; `hmac_signature`: an HMAC-SHA256 signature over
  timestamp and body with a replay window.

Each checks the partner's source networks first. The secrets are kept by `secrets`."""

from integrations.auth import basic, bearer, client_certificate, hmac_signature
from integrations.auth.base import AuthStrategy, register, strategy_for

__all__ = [
    "AuthStrategy",
    "basic",
    "bearer",
    "client_certificate",
    "hmac_signature",
    "register",
    "strategy_for",
]
