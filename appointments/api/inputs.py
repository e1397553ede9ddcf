"""What the appointment API accepts. These check the shape of the input (types, formats,
lengths, known references) and hand it to one service; the rules live in the services."""

from typing import Any

from django.core.validators import RegexValidator
from django.utils import timezone
from rest_framework import serializers

from appointments.choices import AppointmentType
from appointments.gateways import Slot, SlotQuery
from appointments.models import ADDRESS_KEY_MAX, HHMM_MESSAGE, HHMM_PATTERN, PRODUCT_NAME_MAX
from faults.api.inputs import FaultReferenceField, ReferenceField, RejectUnknownFieldsMixin
from faults.models import Fault
from faults.models.fault import TEXT_MAX
from faults.suppliers import suppliers

DATE_HELP = "YYYY-MM-DD."


class HHMMField(serializers.CharField):
    """A time of day as the supplier writes it: HH:MM, 24-hour."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "HH:MM, 24-hour (e.g. 08:00).")
        super().__init__(**kwargs)
        self.validators.append(RegexValidator(HHMM_PATTERN, HHMM_MESSAGE))


def fault_field(**kwargs: Any) -> FaultReferenceField:
    """A fault by its buyer fault reference (the fault API's field), read with its supplier."""
    return FaultReferenceField(queryset=Fault.objects.select_related("supplier"), **kwargs)


def partner_field(**kwargs: Any) -> ReferenceField:
    return ReferenceField(
        slug_field="slug",
        queryset=suppliers(),
        help_text="The supplier's slug.",
        error_messages={
            "does_not_exist": "No partner with slug '{value}'.",
            "invalid": "Give the partner's slug as a string.",
        },
        **kwargs,
    )


def _check_slot_order(attrs: dict[str, Any]) -> None:
    start, end = attrs.get("start_time"), attrs.get("end_time")
    if start and end and end <= start:
        raise serializers.ValidationError({"end_time": ["The slot must end after it starts."]})


class SlotQueryInput(serializers.Serializer):
    """GET /appointments/slots/ query parameters."""

    partner = partner_field()
    address_key = serializers.CharField(max_length=ADDRESS_KEY_MAX, help_text="The UPRN.")
    from_date = serializers.DateField(help_text=f"First day wanted, today or later; {DATE_HELP}")
    product_name = serializers.CharField(max_length=PRODUCT_NAME_MAX, help_text="e.g. ftthl2r.")
    appointment_type = serializers.ChoiceField(
        choices=AppointmentType.choices, default=AppointmentType.FAULT
    )


class ReservationInput(RejectUnknownFieldsMixin, SlotQueryInput):
    """POST /appointments/reservations/: where and for what, and the slot picked."""

    date = serializers.DateField(help_text=f"The slot's day; {DATE_HELP}")
    start_time = HHMMField()
    end_time = HHMMField()
    fault = fault_field(
        required=False,
        allow_null=True,
        help_text="Attach to this draft Service Outage fault at once (buyer fault reference).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _check_slot_order(attrs)
        return attrs


class ReappointInput(RejectUnknownFieldsMixin, serializers.Serializer):
    """POST /faults/<ref>/reappoint/: the new slot; where and for what default to the fault's."""

    date = serializers.DateField(help_text=f"The new slot's day; {DATE_HELP}")
    start_time = HHMMField()
    end_time = HHMMField()
    from_date = serializers.DateField(
        required=False, help_text=f"First day of the slot query (today when omitted); {DATE_HELP}"
    )
    address_key = serializers.CharField(
        max_length=ADDRESS_KEY_MAX, required=False, help_text="The UPRN; the fault's by default."
    )
    product_name = serializers.CharField(
        max_length=PRODUCT_NAME_MAX, required=False, help_text="The fault's by default."
    )
    appointment_type = serializers.ChoiceField(
        choices=AppointmentType.choices, default=AppointmentType.FAULT
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _check_slot_order(attrs)
        return attrs


class AttachInput(RejectUnknownFieldsMixin, serializers.Serializer):
    fault = fault_field(help_text="The draft Service Outage fault (buyer reference).")


class CancelInput(RejectUnknownFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, default="", max_length=TEXT_MAX)


class MissedSummaryInput(serializers.Serializer):
    partner = partner_field(required=False)
    date_from = serializers.DateField(required=False, help_text=f"From this day; {DATE_HELP}")
    date_to = serializers.DateField(required=False, help_text=f"Up to this day; {DATE_HELP}")


def slot_query_from(data: dict[str, Any], **defaults: Any) -> SlotQuery:
    """The port's query from validated input; `defaults` fill what the input left out."""
    return SlotQuery(
        address_key=data.get("address_key") or defaults.get("address_key", ""),
        from_date=data.get("from_date") or defaults.get("from_date") or timezone.localdate(),
        product_name=data.get("product_name") or defaults.get("product_name", ""),
        appointment_type=data.get("appointment_type", AppointmentType.FAULT),
    )


def slot_from(data: dict[str, Any]) -> Slot:
    return Slot(date=data["date"], start_time=data["start_time"], end_time=data["end_time"])
