"""A bearer token (shared secret): `Authorization: Bearer <token>`, over the proxy's TLS. The
token is stored as a salted hash (`integrations.auth.secrets`)."""

from django.http import HttpRequest

from integrations.auth.base import AuthStrategy, register, unauthorised
from integrations.auth.secrets import secret_matches
from integrations.choices import InboundAuth
from integrations.models import Partner

CHALLENGE = 'Bearer realm="partner"'


@register
class BearerToken(AuthStrategy):
    method = InboundAuth.BEARER

    def check_credentials(self, partner: Partner, request: HttpRequest) -> None:
        scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorised("A bearer token is required.", challenge=CHALLENGE)
        if not secret_matches(partner.inbound_secret_hash, token.strip(), strategy=self.method):
            raise unauthorised("Wrong bearer token.", challenge=CHALLENGE)
