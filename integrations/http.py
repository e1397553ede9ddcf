"""The one HTTP client for calls to partners: the partner's client certificate and CA bundle,
explicit timeouts, no redirects, and an outcome the retry policy can classify."""

import logging
from dataclasses import dataclass
from enum import StrEnum

import requests

from integrations.models import Partner

logger = logging.getLogger(__name__)
MAX_RESPONSE_BYTES = 1024 * 1024


class CallKind(StrEnum):
    OK = "ok"  # 2xx
    RETRY = "retry"  # timeouts, connection errors, 5xx, 429: try again later
    REFUSED = "refused"  # the partner refused this message (4xx other than 401): final
    UNAUTHORISED = "unauthorised"  # 401: our credentials are broken, stop sending to them


@dataclass(frozen=True)
class CallResult:
    kind: CallKind
    status_code: int | None
    body: bytes
    error: str = ""


def _session_for(partner: Partner) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxies or netrc from the environment
    if partner.client_cert_path:
        session.cert = (partner.client_cert_path, partner.client_key_path or None)
    session.verify = partner.ca_bundle_path or True
    return session


def classify(status_code: int) -> CallKind:
    if 200 <= status_code < 300:
        return CallKind.OK
    if status_code == 401:
        return CallKind.UNAUTHORISED
    if status_code == 429 or status_code >= 500:
        return CallKind.RETRY
    # Everything else is final, 3xx included: we never follow redirects, a moved endpoint
    # needs an admin.
    return CallKind.REFUSED


def post_to_partner(
    partner: Partner, url: str, body: bytes, *, content_type: str, soap_action: str = ""
) -> CallResult:
    headers = {"Content-Type": content_type}
    if soap_action:
        headers["SOAPAction"] = f'"{soap_action}"'
    try:
        with _session_for(partner) as session:
            response = session.post(
                url,
                data=body,
                headers=headers,
                timeout=(partner.connect_timeout, partner.read_timeout),
                allow_redirects=False,
                stream=True,
            )
            content = response.raw.read(MAX_RESPONSE_BYTES, decode_content=True)
            response.close()
    except requests.Timeout as exc:
        return CallResult(CallKind.RETRY, None, b"", f"timeout: {exc}")
    except requests.ConnectionError as exc:
        return CallResult(CallKind.RETRY, None, b"", f"connection error: {exc}")
    except requests.RequestException as exc:
        return CallResult(CallKind.RETRY, None, b"", f"request failed: {exc}")
    kind = classify(response.status_code)
    logger.info("POST %s -> %s (%s)", url, response.status_code, kind)
    return CallResult(kind, response.status_code, content)
