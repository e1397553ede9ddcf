"""Who is calling: the partner's source address and client certificate, as the TLS-terminating
proxy saw them (design §7, "Security at the edge").

nginx verifies the client certificate (`ssl_verify_client on`) and passes it URL-encoded in
`X-SSL-Client-Cert` (`$ssl_client_escaped_cert`) and the caller's address in `X-Forwarded-For`.
Both headers are believed only when the request comes from an address in
`settings.TRUSTED_PROXY_IPS` *and* carries `X-Partner-Proxy-Secret` equal to
`settings.PARTNER_PROXY_SECRET`. The address alone proves nothing: every site on the same proxy,
and every process on the proxy's machine, reaches the app from it. Only the mutual-TLS site
(`config/nginx/noc.conf`) adds the secret; the others clear it. The app then computes the
certificate's SHA-256 fingerprint itself and matches it, and the source address, against what is
pinned on the partner.

That is the default strategy, `integrations.auth.client_certificate`. A partner that proves
itself with a secret instead (HTTP Basic, a bearer token, an HMAC signature: `integrations.auth`)
needs no mutual-TLS site: it may come through a plain TLS site of the proxy, so only the trusted
proxy's address is required, and its `X-Forwarded-For` is believed from that address alone
(`forwarded_address`); the certificate header and the proxy secret are ignored for it.
"""

import hashlib
import hmac
import ipaddress
import logging
from dataclasses import dataclass
from functools import cache, lru_cache
from urllib.parse import unquote

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.http import HttpRequest

from integrations.models import Partner

logger = logging.getLogger(__name__)

CERT_HEADER = "HTTP_X_SSL_CLIENT_CERT"
FORWARDED_FOR_HEADER = "HTTP_X_FORWARDED_FOR"
# The header as the proxy (and the simulators, playing the proxy) sends it, and as Django sees it.
PROXY_SECRET_HEADER_NAME = "X-Partner-Proxy-Secret"
PROXY_SECRET_HEADER = "HTTP_X_PARTNER_PROXY_SECRET"


class AccessRefused(Exception):
    """The caller is not who the partner's pins or credentials say it must be: answered with
    `status` (403, or 401 for missing or wrong credentials, with `challenge` as the
    WWW-Authenticate header when there is one; 503, with Retry-After, when what we need to check
    them is broken on our side)."""

    def __init__(self, message: str, *, status: int = 403, challenge: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.challenge = challenge


@dataclass(frozen=True)
class Caller:
    address: str
    cert_fingerprint: str


@lru_cache(maxsize=8)
def _networks(texts: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Parsed once per setting's value, not on every partner request."""
    return tuple(ipaddress.ip_network(net, strict=False) for net in texts)


def _from_trusted_proxy(remote_addr: str) -> bool:
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    return any(address in network for network in _networks(tuple(settings.TRUSTED_PROXY_IPS)))


@cache
def _report_missing_secret() -> None:
    """Once per process: logged on every request, anyone could flood the log by posting to a
    partner path. `manage.py check --deploy` reports it as well (integrations.W001)."""
    logger.error(
        "PARTNER_PROXY_SECRET is not set: every partner request is refused (said once per process)."
    )


def _proves_mutual_tls_site(request: HttpRequest) -> bool:
    """The request carries the secret only the mutual-TLS site of the proxy adds."""
    expected = settings.PARTNER_PROXY_SECRET
    if not expected:
        # Fail closed: nothing can prove the request came through the mutual-TLS site.
        _report_missing_secret()
        return False
    presented = request.META.get(PROXY_SECRET_HEADER, "")
    return hmac.compare_digest(presented.encode(), expected.encode())


def proxy_headers(*, escaped_cert: str, forwarded_for: str, secret: str) -> dict[str, str]:
    """The headers the mutual-TLS site adds to a partner's request, for those who play the proxy
    (the simulators in DEBUG, the benchmark)."""
    headers = {"X-Forwarded-For": forwarded_for, "X-SSL-Client-Cert": escaped_cert}
    if secret:
        headers[PROXY_SECRET_HEADER_NAME] = secret
    return headers


# A partner presents the same certificate on every call: it is read once per process (the
# header is the trusted proxy's, read only once the proxy's secret is proven; a refusal is not
# kept, and the cache holds a few certificates, not one per caller).
@lru_cache(maxsize=64)
def certificate_fingerprint(escaped_pem: str) -> str:
    """SHA-256 over the DER form of the URL-encoded PEM certificate the proxy passed on."""
    try:
        certificate = x509.load_pem_x509_certificate(unquote(escaped_pem).encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise AccessRefused("The client certificate could not be read.") from exc
    return hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()


def _require_trusted_proxy(request: HttpRequest) -> str:
    remote_addr = request.META.get("REMOTE_ADDR", "")
    if not _from_trusted_proxy(remote_addr):
        # Not through our proxy: no TLS, no verified certificate, no forwarded address to trust.
        raise AccessRefused(f"Requests must come through the TLS proxy, not from {remote_addr}.")
    return remote_addr


def _forwarded(request: HttpRequest, remote_addr: str) -> str:
    forwarded = request.META.get(FORWARDED_FOR_HEADER, "")
    # nginx appends the peer it saw: the last entry is the one our proxy vouches for.
    return forwarded.split(",")[-1].strip() if forwarded else remote_addr


def forwarded_address(request: HttpRequest) -> str:
    """The caller's address for a partner that needs no mutual-TLS site: the request must come
    from the trusted proxy (any of its TLS sites), whose `X-Forwarded-For` is then believed."""
    return _forwarded(request, _require_trusted_proxy(request))


def identify_caller(request: HttpRequest) -> Caller:
    remote_addr = _require_trusted_proxy(request)
    if not _proves_mutual_tls_site(request):
        # Another site of the proxy, or a local process: its certificate header proves nothing.
        raise AccessRefused("Partner requests must come through the partners' mutual-TLS site.")
    address = _forwarded(request, remote_addr)
    escaped_pem = request.META.get(CERT_HEADER, "")
    if not escaped_pem:
        raise AccessRefused("No client certificate was presented.")
    return Caller(address=address, cert_fingerprint=certificate_fingerprint(escaped_pem))


def check_source_address(partner: Partner, address_text: str) -> None:
    """The address is in one of the partner's networks (none listed: no address is)."""
    try:
        address = ipaddress.ip_address(address_text)
    except ValueError:
        raise AccessRefused(f"'{address_text}' is not an IP address.") from None
    if not any(address in network for network in partner.networks):
        raise AccessRefused(f"{address_text} is not an allowed source address for {partner}.")


def check_partner_access(partner: Partner, caller: Caller) -> None:
    check_source_address(partner, caller.address)
    if caller.cert_fingerprint not in partner.pinned_fingerprints:
        raise AccessRefused(f"The client certificate is not pinned for {partner}.")
