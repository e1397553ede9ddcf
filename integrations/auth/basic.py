"""HTTP Basic: `Authorization: Basic base64(user:password)`, over the proxy's TLS. The password
is stored as a salted hash (`integrations.auth.secrets`)."""

import base64
import binascii

from django.http import HttpRequest

from integrations.auth.base import AuthStrategy, register, unauthorised
from integrations.auth.secrets import secret_matches, secrets_match
from integrations.choices import InboundAuth
from integrations.models import Partner

CHALLENGE = 'Basic realm="partner", charset="UTF-8"'


@register
class HttpBasic(AuthStrategy):
    method = InboundAuth.BASIC

    def check_credentials(self, partner: Partner, request: HttpRequest) -> None:
        scheme, _, encoded = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "basic" or not encoded.strip():
            raise unauthorised("HTTP Basic credentials are required.", challenge=CHALLENGE)
        try:
            # A non-ASCII header is a ValueError, not a binascii.Error.
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise unauthorised(
                "The Basic credentials cannot be read.", challenge=CHALLENGE
            ) from None
        username, _, password = decoded.partition(":")
        # Both compared, whatever the first gives, so the time says nothing about which was wrong.
        right_user = secrets_match(partner.inbound_username, username)
        right_password = secret_matches(
            partner.inbound_secret_hash, password, strategy=InboundAuth.BASIC
        )
        if not (right_user and right_password):
            raise unauthorised("Wrong user name or password.", challenge=CHALLENGE)
