"""OpenAPI descriptions of the appointment API (drf-spectacular), kept apart from the views."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from appointments.api import inputs
from appointments.api.serializers import (
    AppointmentSerializer,
    MissedSummarySerializer,
    SlotSerializer,
)
from faults.api.errors import ErrorSerializer
from faults.api.schema import errors

SUPPLIER_ERRORS = {
    409: OpenApiResponse(
        ErrorSerializer,
        description="The supplier refused (the slot has gone), or the fault's or the "
        "appointment's state does not allow this.",
    ),
    502: OpenApiResponse(ErrorSerializer, description="The supplier answered unusably."),
    503: OpenApiResponse(
        ErrorSerializer, description="The supplier's appointment service is not answering."
    ),
}

SERIALIZERS_BY_ACTION: dict[str, Any] = {
    "list": AppointmentSerializer,
    "retrieve": AppointmentSerializer,
    "slots": inputs.SlotQueryInput,
    "reservations": inputs.ReservationInput,
    "attach": inputs.AttachInput,
    "cancel": inputs.CancelInput,
    "missed_summary": inputs.MissedSummaryInput,
    "appointments": AppointmentSerializer,
    "reappoint": inputs.ReappointInput,
}

APPOINTMENT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)

APPOINTMENT_VIEWSET_SCHEMAS = {
    "list": extend_schema(
        summary="List appointments",
        responses={200: AppointmentSerializer(many=True), **errors(400, 401, 403)},
    ),
    "retrieve": extend_schema(
        summary="An appointment with its history",
        parameters=[APPOINTMENT_ID],
        responses={200: AppointmentSerializer, **errors(401, 403, 404)},
    ),
    "slots": extend_schema(
        summary="The supplier's free slots (queryAppointmentAvailability)",
        parameters=[inputs.SlotQueryInput],
        request=None,
        responses={
            200: SlotSerializer(many=True),
            **errors(400, 401, 403),
            503: SUPPLIER_ERRORS[503],
            502: SUPPLIER_ERRORS[502],
            409: SUPPLIER_ERRORS[409],
        },
    ),
    "reservations": extend_schema(
        summary="Reserve a slot (reserveAppointment), optionally for a draft TLOS fault",
        request=inputs.ReservationInput,
        responses={201: AppointmentSerializer, **errors(400, 401, 403, 404), **SUPPLIER_ERRORS},
    ),
    "attach": extend_schema(
        summary="Attach a reservation to a draft Service Outage fault",
        parameters=[APPOINTMENT_ID],
        request=inputs.AttachInput,
        responses={200: AppointmentSerializer, **errors(400, 401, 403, 404, 409)},
    ),
    "cancel": extend_schema(
        summary="Cancel an appointment on our side",
        parameters=[APPOINTMENT_ID],
        request=inputs.CancelInput,
        responses={200: AppointmentSerializer, **errors(400, 401, 403, 404, 409)},
    ),
    "missed_summary": extend_schema(
        summary="Missed appointments counted per side (seller, end user, MBORC)",
        parameters=[inputs.MissedSummaryInput],
        request=None,
        responses={200: MissedSummarySerializer, **errors(400, 401, 403)},
    ),
}

FAULT_APPOINTMENT_SCHEMAS = {
    "appointments": extend_schema(
        summary="Every appointment of a fault, with its history",
        request=None,
        responses={200: AppointmentSerializer(many=True), **errors(401, 403, 404)},
    ),
    "reappoint": extend_schema(
        summary="Re-appoint a raised Service Outage fault (query + reserve + amend)",
        request=inputs.ReappointInput,
        responses={201: AppointmentSerializer, **errors(400, 401, 403, 404), **SUPPLIER_ERRORS},
    ),
}
