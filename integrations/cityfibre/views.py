from django.http import Http404, HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from integrations.choices import Protocol
from integrations.cityfibre.endpoint import answer, receive_notification
from integrations.partner_cache import partner_edge
from integrations.security import AccessRefused, authenticate_partner_request

XML = "text/xml; charset=utf-8"


class NotifyFaultReportUpdateView(APIView):
    """The supplier's webhook: `notifyFaultReportUpdate`, bare or in a SOAP envelope.

    Partners authenticate by client certificate and source address (checked against the
    partner's pins), not by user, so DRF's authentication and parsing are switched off: the raw
    body is what is stored.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes: list = []

    @extend_schema(
        request={"text/xml": {"type": "string"}},
        responses={
            200: OpenApiResponse(description="receivedNotifyFaultReportUpdate, responseCode 200"),
            400: OpenApiResponse(description="Unreadable, unknown buyer or fault reference"),
            403: OpenApiResponse(description="Certificate or source address refused"),
            413: OpenApiResponse(description="Body over the partner's size limit"),
        },
    )
    def post(self, request: Request, partner_slug: str) -> HttpResponse:
        edge = partner_edge(slug=partner_slug, protocol=Protocol.CITYFIBRE)
        if edge is None:
            raise Http404("No such partner.")
        partner = edge.partner
        django_request = request._request
        try:
            caller = authenticate_partner_request(partner, django_request)
        except AccessRefused as exc:
            return self._reply(answer(edge, code=403, error=str(exc)))
        limit = partner.max_inbound_bytes
        declared = django_request.META.get("CONTENT_LENGTH") or "0"
        # isdigit() alone lets through digits int() cannot read ("²"): ASCII digits only.
        if not (declared.isascii() and declared.isdigit()) or int(declared) > limit:
            return self._reply(answer(edge, code=413, error=f"Body over {limit} bytes."))
        body = django_request.read(limit + 1)
        if len(body) > limit:
            return self._reply(answer(edge, code=413, error=f"Body over {limit} bytes."))
        return self._reply(receive_notification(edge, body, caller))

    @staticmethod
    def _reply(result) -> HttpResponse:
        return HttpResponse(result.body, status=result.http_status, content_type=XML)
