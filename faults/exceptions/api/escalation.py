"""The suppliers to escalate with (seed: /ticketExceptions/v1/serviceProviderEscalationCandidates):
a bare array, as the seed answers, of the suppliers over the admin's threshold
(`faults.exceptions.escalation`), in the shape our REST API already answers."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from faults.api.exceptions import EscalationCandidateSerializer
from faults.exceptions.api.base import ExceptionsApiView
from faults.exceptions.api.schema import TAG, refusals
from faults.exceptions.escalation import escalation_candidates


class EscalationCandidatesView(ExceptionsApiView):
    """Suppliers with open exceptions over the admin's escalation threshold, the most open
    exceptions first."""

    @extend_schema(
        responses={200: EscalationCandidateSerializer(many=True), **refusals()},
        summary="Suppliers to escalate with",
        operation_id="getServiceProviderEscalationCandidates",
        tags=[TAG],
    )
    def get(self, request: Request) -> Response:
        return Response(EscalationCandidateSerializer(escalation_candidates(), many=True).data)
