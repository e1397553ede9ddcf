"""TEP's partner-hosted services as views of the inbound edge (`integrations.edge.PartnerEndpoint`):
the edge authenticates, limits and reads the body; `endpoint` answers it. Every refusal, the
edge's included, is in the protocol's shape: a SOAP fault on the services, the fault type's
element with the seed's status on REST."""

from typing import ClassVar

from django.http import HttpRequest, HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request

from integrations.edge import PartnerEndpoint
from integrations.partner_cache import PartnerEdge
from integrations.security import Caller
from integrations.tep import endpoint
from integrations.tep.faults import TepFault
from integrations.tep.package import PROTOCOL

_SOAP_RESPONSES = {
    200: OpenApiResponse(description="The operation's answer (document/literal wrapped)"),
    400: OpenApiResponse(description="SOAP fault: ServiceValidationFault or Configuration"),
    401: OpenApiResponse(description="SOAP fault 2100: missing or wrong credentials"),
    403: OpenApiResponse(description="SOAP fault 2100: certificate or source address refused"),
    404: OpenApiResponse(description="SOAP fault 2000: no active TEP partner has the slug"),
    413: OpenApiResponse(description="SOAP fault 3000: body over the partner's size limit"),
    415: OpenApiResponse(description="SOAP fault 3000: not XML"),
    503: OpenApiResponse(description="SOAP fault 1000 (ServiceUnavailableFault): retry"),
}
_REST_RESPONSES = {
    200: OpenApiResponse(description="Taken"),
    500: OpenApiResponse(description="Failure: the fault type's element (FaultCode, Message)"),
    503: OpenApiResponse(description="Unavailable: retry"),
}


class _TepEndpoint(PartnerEndpoint):
    protocol = PROTOCOL
    content_types = endpoint.CONTENT_TYPES

    def receive(self, edge: PartnerEdge, body: bytes, caller: Caller) -> HttpResponse:
        inbound = endpoint.Inbound(partner=edge.partner, caller=caller)
        try:
            return self.respond(inbound, body)
        except TepFault as fault:
            return self.fault_response(fault)

    def respond(self, inbound: endpoint.Inbound, body: bytes) -> HttpResponse:
        raise NotImplementedError

    def fault_response(self, fault: TepFault) -> HttpResponse:
        raise NotImplementedError


class _SoapService(_TepEndpoint):
    operations: ClassVar[dict[str, endpoint.Operation]]

    @extend_schema(request={"text/xml": {"type": "string"}}, responses=_SOAP_RESPONSES)
    def post(self, request: Request, partner_slug: str) -> HttpResponse:
        return super().post(request, partner_slug)

    def respond(self, inbound: endpoint.Inbound, body: bytes) -> HttpResponse:
        action = self.request.META.get("HTTP_SOAPACTION", "")
        answer = endpoint.answer_soap(self.operations, inbound, body, action)
        return HttpResponse(answer, status=200, content_type=endpoint.SOAP_CONTENT_TYPE)

    def fault_response(self, fault: TepFault) -> HttpResponse:
        return endpoint.soap_fault_response(fault)

    @classmethod
    def render_error(cls, request: HttpRequest, *, status: int, message: str) -> HttpResponse:
        return endpoint.soap_fault_response(endpoint.edge_fault(status, message), status)


class TicketServiceView(_SoapService):
    """`…/<partner_slug>/TicketService.svc`: PostTicket and PostReceipt (SOAP 1.1)."""

    operations = endpoint.TICKET_SERVICE


class AttachmentServiceView(_SoapService):
    """`…/<partner_slug>/AttachmentService.svc`: PostAttachment and GetAttachment (SOAP 1.1)."""

    operations = endpoint.ATTACHMENT_SERVICE


class _RestService(_TepEndpoint):
    @extend_schema(request={"application/xml": {"type": "string"}}, responses=_REST_RESPONSES)
    def post(self, request: Request, partner_slug: str) -> HttpResponse:
        return super().post(request, partner_slug)

    def fault_response(self, fault: TepFault) -> HttpResponse:
        return endpoint.rest_fault_response(fault)

    @classmethod
    def render_error(cls, request: HttpRequest, *, status: int, message: str) -> HttpResponse:
        return endpoint.rest_fault_response(endpoint.edge_fault(status, message))


class RestTicketView(_RestService):
    """`…/<partner_slug>/rest/ticket`: Ticket XML (synchronous) or RestfulTicketRequest
    (asynchronous)."""

    def respond(self, inbound: endpoint.Inbound, body: bytes) -> HttpResponse:
        return endpoint.answer_rest_ticket(inbound, body)


class RestReceiptView(_RestService):
    """`…/<partner_slug>/rest/receipt`: Receipt XML, an HTTP status in answer."""

    def respond(self, inbound: endpoint.Inbound, body: bytes) -> HttpResponse:
        return endpoint.answer_rest_receipt(inbound, body)
