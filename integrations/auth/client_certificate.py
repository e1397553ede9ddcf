"""Pinned client certificates, behind the proxy's mutual-TLS site (the default; how the supplier
Ticketing API's partners have always called us): `integrations.security`."""

from django.http import HttpRequest

from integrations.auth.base import AuthStrategy, register
from integrations.choices import InboundAuth
from integrations.models import Partner
from integrations.security import Caller, check_partner_access, identify_caller


@register
class ClientCertificate(AuthStrategy):
    method = InboundAuth.CLIENT_CERTIFICATE

    def authenticate(self, partner: Partner, request: HttpRequest) -> Caller:
        caller = identify_caller(request)
        check_partner_access(partner, caller)
        return caller
