"""Pinned client certificates, behind the proxy's mutual-TLS site (the default; how the supplier
Ticketing API's partners have always called us): `integrations.security`."""

from django.http import HttpRequest

from integrations.auth.base import AuthStrategy, register
from integrations.certificates import pinned_certificate_seen
from integrations.choices import InboundAuth
from integrations.models import Partner
from integrations.security import CERT_HEADER, Caller, check_partner_access, identify_caller


@register
class ClientCertificate(AuthStrategy):
    method = InboundAuth.CLIENT_CERTIFICATE

    def authenticate(self, partner: Partner, request: HttpRequest) -> Caller:
        caller = identify_caller(request)
        check_partner_access(partner, caller)
        # Only the fingerprint is pinned: the certificate's expiry is learned from its use.
        pinned_certificate_seen(
            partner_id=partner.pk,
            fingerprint=caller.cert_fingerprint,
            escaped_pem=request.META.get(CERT_HEADER, ""),
        )
        return caller
