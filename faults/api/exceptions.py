"""The exception monitoring through our API: the suppliers to escalate with, in the seed's shape
(`serviceProviderId`, `serviceProviderName`, `openExceptionCount`, `oldestExceptionDate`)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from faults.api.permissions import FaultRolePermission
from faults.api.serializers import InstantField
from faults.exceptions.escalation import escalation_candidates


class EscalationCandidateSerializer(serializers.Serializer):
    """One supplier to escalate with; the field names are the seed's (camelCase)."""

    serviceProviderId = serializers.IntegerField(source="supplier_id")
    serviceProviderName = serializers.CharField(source="supplier_name")
    openExceptionCount = serializers.IntegerField(source="open_exceptions")
    oldestExceptionDate = InstantField(source="oldest_raised_at")


class EscalationCandidatesView(APIView):
    """Suppliers with open exceptions over the admin's escalation threshold, the most open
    exceptions first."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [FaultRolePermission]

    @extend_schema(
        responses=EscalationCandidateSerializer(many=True),
        summary="Suppliers to escalate with",
        tags=["exceptions"],
    )
    def get(self, request: Request) -> Response:
        rows = escalation_candidates()
        return Response(EscalationCandidateSerializer(rows, many=True).data)
