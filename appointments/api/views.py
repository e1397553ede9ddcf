"""The appointment API. Each write validates its input, calls one service with the requesting
user as the actor, and answers with the appointment."""

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from appointments import selectors
from appointments.api import inputs, schema
from appointments.api.filters import AppointmentFilterSet
from appointments.api.serializers import (
    AppointmentSerializer,
    MissedSummarySerializer,
    SlotSerializer,
)
from appointments.choices import MissedSide
from appointments.models import Appointment
from appointments.services import (
    appointment_attach,
    appointment_cancel,
    appointment_reappoint,
    appointment_reserve,
    appointment_slots_query,
)
from faults import selectors as fault_selectors
from faults.api.pagination import FaultPagination
from faults.api.permissions import FaultRolePermission
from faults.models import Fault
from faults.services import Actor

NOT_A_LIST = {"filter_backends": [], "pagination_class": None}


class _AppointmentApi(viewsets.GenericViewSet):
    # Token first, so an anonymous caller is told how to authenticate (401, not 403).
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [FaultRolePermission]
    http_method_names = ["get", "post", "head", "options"]

    def get_serializer_class(self) -> type[BaseSerializer]:
        return schema.SERIALIZERS_BY_ACTION.get(self.action, AppointmentSerializer)

    def _actor(self) -> Actor:
        return Actor.for_user(self.request.user)

    def _input(self, serializer_class: type[BaseSerializer], data: Any = None) -> dict:
        serializer = serializer_class(data=self.request.data if data is None else data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _appointment_response(
        self, appointment: Appointment, code: int = status.HTTP_200_OK
    ) -> Response:
        appointment = selectors.appointment_get(appointment_id=appointment.pk)
        response = Response(AppointmentSerializer(appointment).data, status=code)
        if code == status.HTTP_201_CREATED:
            response["Location"] = reverse(
                "appointments-api:appointment-detail", kwargs={"pk": appointment.pk}
            )
        return response


@extend_schema_view(**schema.APPOINTMENT_VIEWSET_SCHEMAS)
class AppointmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _AppointmentApi):
    """Slots, reservations and appointments with suppliers."""

    lookup_value_regex = r"[0-9]+"
    filter_backends = [DjangoFilterBackend]
    filterset_class = AppointmentFilterSet
    pagination_class = FaultPagination
    queryset = Appointment.objects.none()  # for the schema; the real one is the selector's

    def get_queryset(self) -> QuerySet[Appointment]:
        return selectors.appointment_queryset().order_by("-created_at", "-id")

    @action(detail=False, methods=["get"], **NOT_A_LIST)
    def slots(self, request: Request) -> Response:
        data = self._input(inputs.SlotQueryInput, data=request.query_params)
        slots = appointment_slots_query(partner=data["partner"], query=inputs.slot_query_from(data))
        return Response(SlotSerializer(slots, many=True).data)

    @action(detail=False, methods=["post"], **NOT_A_LIST)
    def reservations(self, request: Request) -> Response:
        data = self._input(inputs.ReservationInput)
        fault: Fault | None = data.get("fault")
        appointment = appointment_reserve(
            partner=data["partner"],
            actor=self._actor(),
            query=inputs.slot_query_from(data),
            slot=inputs.slot_from(data),
            fault_id=fault.pk if fault else None,
        )
        return self._appointment_response(appointment, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], **NOT_A_LIST)
    def attach(self, request: Request, pk: str) -> Response:
        appointment = selectors.appointment_get(appointment_id=int(pk))
        data = self._input(inputs.AttachInput)
        appointment = appointment_attach(
            appointment_id=appointment.pk, fault_id=data["fault"].pk, actor=self._actor()
        )
        return self._appointment_response(appointment)

    @action(detail=True, methods=["post"], **NOT_A_LIST)
    def cancel(self, request: Request, pk: str) -> Response:
        appointment = selectors.appointment_get(appointment_id=int(pk))
        data = self._input(inputs.CancelInput)
        appointment = appointment_cancel(
            appointment_id=appointment.pk, actor=self._actor(), reason=data["reason"]
        )
        return self._appointment_response(appointment)

    @action(detail=False, methods=["get"], url_path="missed-summary", **NOT_A_LIST)
    def missed_summary(self, request: Request) -> Response:
        data = self._input(inputs.MissedSummaryInput, data=request.query_params)
        counts = selectors.missed_appointment_counts(**data)
        body = {
            "seller": counts.get(MissedSide.SELLER, 0),
            "end_user": counts.get(MissedSide.END_USER, 0),
            "mborc": counts.get(MissedSide.MBORC, 0),
            "unattributed": counts.get(MissedSide.NONE, 0),
            "total": sum(counts.values()),
        }
        return Response(MissedSummarySerializer(body).data)


@extend_schema_view(**schema.FAULT_APPOINTMENT_SCHEMAS)
class FaultAppointmentViewSet(_AppointmentApi):
    """A fault's appointments, and re-appointing it."""

    lookup_field = "buyer_fault_reference"
    lookup_value_regex = r"[^/]+"
    queryset = Fault.objects.none()  # for the schema

    def _fault(self) -> Fault:
        return fault_selectors.fault_get(reference=self.kwargs[self.lookup_field])

    @action(detail=True, methods=["get"], **NOT_A_LIST)
    def appointments(self, request: Request, buyer_fault_reference: str) -> Response:
        rows = selectors.fault_appointments(fault=self._fault())
        return Response(AppointmentSerializer(rows, many=True).data)

    @action(detail=True, methods=["post"], **NOT_A_LIST)
    def reappoint(self, request: Request, buyer_fault_reference: str) -> Response:
        fault = self._fault()
        data = self._input(inputs.ReappointInput)
        defaults = selectors.appointment_query_defaults(fault=fault)
        appointment = appointment_reappoint(
            fault_id=fault.pk,
            actor=self._actor(),
            query=inputs.slot_query_from(data, **defaults),
            slot=inputs.slot_from(data),
        )
        return self._appointment_response(appointment, status.HTTP_201_CREATED)
